/**
 * A live source's bytes as whole stereo s16 frames: reads split frames anywhere (a pipe hands over
 * what it has), so the part of a frame at the end of one read waits for the next; and any input
 * format (s16le, s32le or f32le; mono or stereo) becomes interleaved stereo s16, what every live
 * packet carries. Apart from the stamper, which only counts the frames and places them in time.
 */
import { frameBytes, type PcmFormat } from './uri';

/** Takes a source's reads and returns their whole frames as interleaved stereo s16. */
export class PcmFrames {
  readonly #format: PcmFormat;
  readonly #frameBytes: number;
  #residue = new Uint8Array(0);

  constructor(format: PcmFormat) {
    this.#format = format;
    this.#frameBytes = frameBytes(format);
  }

  /** The whole frames of `bytes`, after what was left of the last read, as stereo s16; a partial frame waits. */
  take(bytes: Uint8Array): Int16Array {
    const data = this.#withResidue(bytes);
    const frameCount = Math.floor(data.length / this.#frameBytes);
    this.#residue = data.slice(frameCount * this.#frameBytes);
    return this.#toStereoS16(data, frameCount);
  }

  /** Forgets a partial frame (after a stall, the next read starts a frame). */
  reset(): void {
    this.#residue = new Uint8Array(0);
  }

  #withResidue(bytes: Uint8Array): Uint8Array {
    if (this.#residue.length === 0) return bytes;
    const joined = new Uint8Array(this.#residue.length + bytes.length);
    joined.set(this.#residue);
    joined.set(bytes, this.#residue.length);
    return joined;
  }

  #toStereoS16(data: Uint8Array, frameCount: number): Int16Array {
    const out = new Int16Array(frameCount * 2);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const { encoding, channels } = this.#format;
    const size = encoding === 's16le' ? 2 : 4;
    for (let f = 0; f < frameCount; f++) {
      for (let c = 0; c < 2; c++) {
        const at = f * this.#frameBytes + (channels === 2 ? c : 0) * size;
        let sample: number;
        if (encoding === 's16le') sample = view.getInt16(at, true);
        else if (encoding === 's32le') sample = view.getInt32(at, true) >> 16;
        else sample = Math.round(Math.max(-1, Math.min(1, view.getFloat32(at, true))) * 32767);
        out[f * 2 + c] = sample;
      }
    }
    return out;
  }
}
