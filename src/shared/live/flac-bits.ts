/**
 * Bit-level reading and writing, and the two CRCs, of FLAC frames (https://xiph.org/flac/format.html):
 * big-endian bit order, CRC-8 (polynomial 0x07) over a frame's header, CRC-16 (polynomial 0x8005)
 * over the whole frame. The reader never reads past its bytes: it throws `FlacBitsError`, which the
 * decoder turns into an error result.
 */

/** Reading ran past the end of the bytes, or met a value the format does not allow. */
export class FlacBitsError extends Error {
  override readonly name = 'FlacBitsError';
}

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c8 = i;
  let c16 = i << 8;
  for (let b = 0; b < 8; b++) {
    c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
    c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
  }
  CRC8[i] = c8;
  CRC16[i] = c16;
}

/** FLAC's CRC-8 of `bytes`. */
export function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = CRC8[crc ^ b]!;
  return crc;
}

/** FLAC's CRC-16 of `bytes`. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ b]!;
  return crc;
}

/** Writes bits, most significant first, into a growing buffer. */
export class BitWriter {
  #bytes = new Uint8Array(1024);
  #length = 0;
  /** Bits not yet in a whole byte, and how many. */
  #acc = 0;
  #accBits = 0;

  /** Writes the low `bits` (0–32) bits of `value` (a negative value as two's complement). */
  write(value: number, bits: number): void {
    if (bits > 24) {
      this.write(Math.floor(value / 0x10000) & 0xffff, bits - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    this.#acc = (this.#acc << bits) | (value & ((1 << bits) - 1));
    this.#accBits += bits;
    while (this.#accBits >= 8) {
      this.#accBits -= 8;
      this.#push((this.#acc >>> this.#accBits) & 0xff);
    }
    this.#acc &= (1 << this.#accBits) - 1;
  }

  /** `count` zero bits, then a one: the unary part of a Rice code. */
  writeUnary(count: number): void {
    for (let left = count; left > 0; left -= 24) this.write(0, Math.min(24, left));
    this.write(1, 1);
  }

  /** Pads with zero bits to a whole byte. */
  alignToByte(): void {
    if (this.#accBits > 0) this.write(0, 8 - this.#accBits);
  }

  /** The whole bytes written so far (a copy). */
  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  #push(byte: number): void {
    if (this.#length === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = byte;
  }
}

/** Reads bits, most significant first. */
export class BitReader {
  readonly #bytes: Uint8Array;
  /** Position in bits. */
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Bytes read so far (the position must be on a byte boundary to mean anything). */
  get bytePosition(): number {
    return this.#at >> 3;
  }

  /** An unsigned value of `bits` (0–32) bits. */
  read(bits: number): number {
    if (bits > 24) return this.read(bits - 16) * 0x10000 + this.read(16);
    if (this.#at + bits > this.#bytes.length * 8) throw new FlacBitsError('the frame ends too soon');
    let value = 0;
    for (let left = bits; left > 0;) {
      const byte = this.#bytes[this.#at >> 3]!;
      const offset = this.#at & 7;
      const take = Math.min(left, 8 - offset);
      value = (value << take) | ((byte >> (8 - offset - take)) & ((1 << take) - 1));
      left -= take;
      this.#at += take;
    }
    return value;
  }

  /** A two's complement value of `bits` (1–32) bits. */
  readSigned(bits: number): number {
    const value = this.read(bits);
    return value >= 2 ** (bits - 1) ? value - 2 ** bits : value;
  }

  /** Counts zero bits up to the next one (which it reads too). */
  readUnary(): number {
    let count = 0;
    for (;;) {
      if (this.#at >= this.#bytes.length * 8) throw new FlacBitsError('the frame ends too soon');
      const byte = this.#bytes[this.#at >> 3]! & (0xff >> (this.#at & 7));
      if (byte === 0) {
        count += 8 - (this.#at & 7);
        this.#at = (this.#at | 7) + 1;
        continue;
      }
      const bit = Math.clz32(byte) - 24;
      count += bit - (this.#at & 7);
      this.#at = (this.#at & ~7) + bit + 1;
      return count;
    }
  }

  /** Skips to the next byte boundary. */
  alignToByte(): void {
    this.#at = (this.#at + 7) & ~7;
  }
}
