/**
 * Decodes one FLAC frame of stereo s16 (https://xiph.org/flac/format.html): the whole format of a
 * frame (fixed or variable block size, every block-size and sample-rate code, constant, verbatim,
 * fixed and LPC subframes, wasted bits, both Rice codings with escapes, the four stereo
 * decorrelations), with both CRCs checked. What `encodeFlacFrame` writes and what libFLAC or ffmpeg
 * write alike. Untrusted bytes: anything else (another sample size or channel count, a bad CRC, a
 * frame that ends too soon) is an error result, never a throw.
 */
import { err, ok, type Result } from '../result';
import { BitReader, FlacBitsError, crc16, crc8 } from './flac-bits';
import type { LiveFrame } from './frames';

/** A decoded frame: interleaved stereo s16. */
export interface FlacPcm {
  frameCount: number;
  /** The rate the header states, or null when it leaves it to the STREAMINFO. */
  sampleRate: number | null;
  pcm: Int16Array;
}

const RATES = [0, 88_200, 176_400, 192_000, 8000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000];
const BLOCK_SIZES = [0, 192, 576, 1152, 2304, 4608, 0, 0, 256, 512, 1024, 2048, 4096, 8192, 16_384, 32_768];

/** Decodes one FLAC frame; it must be stereo 16-bit and at most `maxFrames` long. */
export function decodeFlacFrame(bytes: Uint8Array, maxFrames = 65_536): Result<FlacPcm> {
  try {
    return decode(bytes, maxFrames);
  } catch (error) {
    if (error instanceof FlacBitsError) return err(`FLAC: ${error.message}`);
    throw error;
  }
}

/**
 * A live FLAC frame's PCM, stamped: its FLAC frame must decode to the frame count (and the rate, if its
 * header states one) the live frame says.
 */
export function decodeFlacLiveFrame(
  frame: Extract<LiveFrame, { type: 'flac' }>,
): Result<{ groupMs: number; sampleRate: number; pcm: Int16Array }> {
  const decoded = decodeFlacFrame(frame.flac, frame.frameCount);
  if (!decoded.ok) return decoded;
  const { frameCount, sampleRate, pcm } = decoded.value;
  if (frameCount !== frame.frameCount)
    return err(`FLAC: ${frameCount} frames where the header says ${frame.frameCount}`);
  if (sampleRate !== null && sampleRate !== frame.sampleRate)
    return err(`FLAC: ${sampleRate} Hz where the header says ${frame.sampleRate}`);
  return ok({ groupMs: frame.groupMs, sampleRate: frame.sampleRate, pcm });
}

function decode(bytes: Uint8Array, maxFrames: number): Result<FlacPcm> {
  if (bytes.length < 8) return err('FLAC: short frame');
  const r = new BitReader(bytes);
  if (r.read(15) !== 0x7ffc) return err('FLAC: no frame sync code');
  r.read(1); // Blocking strategy: the coded number is a frame or a sample number; neither matters here.
  const sizeCode = r.read(4);
  const rateCode = r.read(4);
  const channelCode = r.read(4);
  const sizeBitsCode = r.read(3);
  if (r.read(1) !== 0) return err('FLAC: reserved header bit set');
  if (sizeBitsCode !== 4 && sizeBitsCode !== 0) return err('FLAC: only 16-bit samples are taken');
  if (channelCode !== 1 && (channelCode < 8 || channelCode > 10)) return err('FLAC: only stereo is taken');
  skipCodedNumber(r);
  if (sizeCode === 0) return err('FLAC: reserved block size');
  const blockSize = sizeCode === 6 ? r.read(8) + 1 : sizeCode === 7 ? r.read(16) + 1 : BLOCK_SIZES[sizeCode]!;
  if (blockSize > maxFrames) return err(`FLAC: ${blockSize} frames, more than ${maxFrames}`);
  let sampleRate: number | null = RATES[rateCode] || null;
  if (rateCode === 12) sampleRate = r.read(8) * 1000;
  else if (rateCode === 13) sampleRate = r.read(16);
  else if (rateCode === 14) sampleRate = r.read(16) * 10;
  else if (rateCode === 15) return err('FLAC: invalid sample rate code');
  const headerEnd = r.bytePosition;
  if (r.read(8) !== crc8(bytes.subarray(0, headerEnd))) return err('FLAC: header CRC mismatch');
  const expected = (bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!;
  if (crc16(bytes.subarray(0, bytes.length - 2)) !== expected) return err('FLAC: frame CRC mismatch');

  const sideFirst = channelCode === 9;
  const a = readSubframe(r, blockSize, channelCode !== 1 && sideFirst ? 17 : 16);
  const b = readSubframe(r, blockSize, channelCode === 8 || channelCode === 10 ? 17 : 16);
  r.alignToByte();
  if (r.bytePosition !== bytes.length - 2) return err('FLAC: bytes after the subframes');
  const pcm = new Int16Array(blockSize * 2);
  for (let i = 0; i < blockSize; i++) {
    let left = a[i]!;
    let right = b[i]!;
    if (channelCode === 8) right = left - right;
    else if (channelCode === 9) left = right + left;
    else if (channelCode === 10) {
      const mid = a[i]! * 2 + (b[i]! & 1);
      left = (mid + b[i]!) >> 1;
      right = (mid - b[i]!) >> 1;
    }
    if (left < -32768 || left > 32767 || right < -32768 || right > 32767)
      return err('FLAC: a sample out of 16-bit range');
    pcm[i * 2] = left;
    pcm[i * 2 + 1] = right;
  }
  return ok({ frameCount: blockSize, sampleRate, pcm });
}

/** Skips the header's frame or sample number (UTF-8-like, 1–7 bytes). */
function skipCodedNumber(r: BitReader): void {
  const first = r.read(8);
  if (first < 0x80) return;
  const extra = Math.clz32(~(first << 24)) - 1;
  if (extra < 1 || extra > 6) throw new FlacBitsError('bad coded number');
  for (let i = 0; i < extra; i++)
    if (r.read(2) !== 2) throw new FlacBitsError('bad coded number');
    else r.read(6);
}

function readSubframe(r: BitReader, n: number, bps: number): Int32Array {
  if (r.read(1) !== 0) throw new FlacBitsError('subframe padding bit set');
  const type = r.read(6);
  let wasted = 0;
  if (r.read(1) === 1) wasted = r.readUnary() + 1;
  if (wasted >= bps) throw new FlacBitsError('too many wasted bits');
  const bits = bps - wasted;
  const x = new Int32Array(n);
  if (type === 0) x.fill(r.readSigned(bits));
  else if (type === 1) for (let i = 0; i < n; i++) x[i] = r.readSigned(bits);
  else if (type >= 8 && type <= 12) predict(r, x, bits, type - 8, false);
  else if (type >= 32) predict(r, x, bits, type - 31, true);
  else throw new FlacBitsError(`reserved subframe type ${type}`);
  if (wasted > 0) for (let i = 0; i < n; i++) x[i] = x[i]! * 2 ** wasted;
  return x;
}

const FIXED_COEFS = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]];

/** Warm-up samples, the LPC parameters (`lpc`), the residual, and the prediction, into `x`. */
function predict(r: BitReader, x: Int32Array, bits: number, order: number, lpc: boolean): void {
  const n = x.length;
  if (order > n) throw new FlacBitsError('predictor order beyond the block');
  for (let i = 0; i < order; i++) x[i] = r.readSigned(bits);
  let coefs = FIXED_COEFS[order] ?? [];
  let shift = 0;
  if (lpc) {
    const precision = r.read(4) + 1;
    if (precision === 16) throw new FlacBitsError('invalid LPC precision');
    shift = r.readSigned(5);
    if (shift < 0) throw new FlacBitsError('negative LPC shift');
    coefs = [];
    for (let i = 0; i < order; i++) coefs.push(r.readSigned(precision));
  }
  readResidual(r, x, order);
  const scale = 2 ** shift;
  for (let i = order; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < order; j++) sum += coefs[j]! * x[i - 1 - j]!;
    x[i] = x[i]! + Math.floor(sum / scale);
  }
}

/** Reads the residual into x[order…] (the prediction is added afterwards). */
function readResidual(r: BitReader, x: Int32Array, order: number): void {
  const method = r.read(2);
  if (method > 1) throw new FlacBitsError('reserved residual coding');
  const paramBits = method === 0 ? 4 : 5;
  const escape = (1 << paramBits) - 1;
  const partitionOrder = r.read(4);
  const n = x.length;
  const size = n >> partitionOrder;
  if (size << partitionOrder !== n || size < order) throw new FlacBitsError('bad partition order');
  let at = order;
  for (let part = 0; part < 1 << partitionOrder; part++) {
    const end = (part + 1) * size;
    const k = r.read(paramBits);
    if (k === escape) {
      const raw = r.read(5);
      for (; at < end; at++) x[at] = raw === 0 ? 0 : r.readSigned(raw);
      continue;
    }
    for (; at < end; at++) {
      const u = r.readUnary() * 2 ** k + r.read(k);
      x[at] = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
  }
}
