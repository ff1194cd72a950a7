/**
 * A small FLAC encoder for live sources (#22, `codec=flac`): each packet of stereo s16 becomes one
 * FLAC frame (https://xiph.org/flac/format.html), which decodes on its own, so a frame needs no run
 * or state but the running sample number in its header (variable block size, as packets vary).
 *
 * It uses what gives most of FLAC's gain on music at little cost: per channel the best of the fixed
 * predictors (orders 0–4), partitioned Rice coding with the parameter chosen by exact bit count,
 * constant subframes for silence, verbatim where nothing helps, and the best of the four stereo
 * decorrelations (left/right, left/side, side/right, mid/side). No LPC: about 5–10 % larger than
 * `flac -5`, and no floating point, so every peer encodes the same bytes. Pure TypeScript, so it
 * runs in the peer and in a window alike; `flacStreamHeader` gives the STREAMINFO a decoder or a
 * `.flac` file needs.
 */
import { BitWriter, crc16, crc8 } from './flac-bits';

const BITS_PER_SAMPLE = 16;
const MAX_RICE_PARAM = 14;
const MAX_PARTITION_ORDER = 6;

/** Sample-rate codes of the frame header (the rest are written in full). */
const RATE_CODES = new Map([
  [88_200, 1],
  [176_400, 2],
  [192_000, 3],
  [8000, 4],
  [16_000, 5],
  [22_050, 6],
  [24_000, 7],
  [32_000, 8],
  [44_100, 9],
  [48_000, 10],
  [96_000, 11],
]);

/** How one channel is coded, and what that costs in bits. */
type Plan =
  | { kind: 'constant'; bits: number }
  | { kind: 'verbatim'; bits: number }
  | {
      kind: 'fixed';
      bits: number;
      order: number;
      residual: Int32Array;
      partitionOrder: number;
      params: number[];
    };

/** One FLAC frame of interleaved stereo s16 `pcm`, its first frame being sample `firstSample` of the stream. */
export function encodeFlacFrame(pcm: Int16Array, sampleRate: number, firstSample: number): Uint8Array {
  const n = pcm.length >> 1;
  if (n < 1 || n > 65_535) throw new RangeError(`a FLAC frame holds 1 to 65535 frames, not ${n}`);
  const left = new Int32Array(n);
  const right = new Int32Array(n);
  const mid = new Int32Array(n);
  const side = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = pcm[i * 2]!;
    const r = pcm[i * 2 + 1]!;
    left[i] = l;
    right[i] = r;
    mid[i] = (l + r) >> 1;
    side[i] = l - r;
  }
  const [pl, pr, pm, ps] = [plan(left, 16), plan(right, 16), plan(mid, 16), plan(side, 17)];
  // Channel assignment codes 1 (independent), 8 (left/side), 9 (side/right), 10 (mid/side).
  const choices: [number, [Int32Array, Plan, number], [Int32Array, Plan, number]][] = [
    [1, [left, pl, 16], [right, pr, 16]],
    [8, [left, pl, 16], [side, ps, 17]],
    [9, [side, ps, 17], [right, pr, 16]],
    [10, [mid, pm, 16], [side, ps, 17]],
  ];
  let best = choices[0]!;
  for (const c of choices) if (c[1][1].bits + c[2][1].bits < best[1][1].bits + best[2][1].bits) best = c;

  const w = new BitWriter();
  writeHeader(w, n, sampleRate, firstSample, best[0]);
  for (const [samples, p, bps] of [best[1], best[2]]) writeSubframe(w, samples, p, bps);
  w.alignToByte();
  const body = w.bytes();
  const out = new Uint8Array(body.length + 2);
  out.set(body);
  const crc = crc16(body);
  out[body.length] = crc >> 8;
  out[body.length + 1] = crc & 0xff;
  return out;
}

/** `fLaC` and a STREAMINFO block for stereo s16 at `sampleRate` in frames of up to `maxBlockSize`. */
export function flacStreamHeader(sampleRate: number, maxBlockSize: number): Uint8Array {
  const w = new BitWriter();
  for (const c of 'fLaC') w.write(c.charCodeAt(0), 8);
  w.write(1, 1); // The last metadata block.
  w.write(0, 7); // STREAMINFO.
  w.write(34, 24);
  w.write(16, 16); // Smallest block size (a stream's last frame may be shorter).
  w.write(maxBlockSize, 16);
  w.write(0, 24); // Frame sizes unknown.
  w.write(0, 24);
  w.write(sampleRate, 20);
  w.write(1, 3); // Two channels.
  w.write(BITS_PER_SAMPLE - 1, 5);
  w.write(0, 4); // Total samples unknown (36 bits).
  w.write(0, 32);
  for (let i = 0; i < 4; i++) w.write(0, 32); // No MD5.
  return w.bytes();
}

function writeHeader(w: BitWriter, n: number, rate: number, firstSample: number, channels: number): void {
  const rateCode = RATE_CODES.get(rate) ?? (rate <= 0xffff ? 13 : rate % 10 === 0 ? 14 : 0);
  w.write(0xfff9, 16); // Sync code, variable block size (the header numbers samples).
  w.write(7, 4); // Block size − 1 in 16 bits after the number.
  w.write(rateCode, 4);
  w.write(channels, 4);
  w.write(4, 3); // 16 bits per sample.
  w.write(0, 1);
  writeCodedNumber(w, firstSample % 2 ** 36);
  w.write(n - 1, 16);
  if (rateCode === 13) w.write(rate, 16);
  if (rateCode === 14) w.write(rate / 10, 16);
  w.write(crc8(w.bytes()), 8);
}

/** The header's sample number, coded like UTF-8 extended to 36 bits. */
function writeCodedNumber(w: BitWriter, value: number): void {
  if (value < 0x80) return w.write(value, 8);
  let bytes = 2;
  while (value >= 2 ** (5 * bytes + 1)) bytes++;
  const lead = (0xff << (8 - bytes)) & 0xff;
  w.write(lead | Math.floor(value / 2 ** (6 * (bytes - 1))), 8);
  for (let i = bytes - 2; i >= 0; i--) w.write(0x80 | (Math.floor(value / 2 ** (6 * i)) & 0x3f), 8);
}

/** The cheapest coding of one channel. */
function plan(x: Int32Array, bps: number): Plan {
  const n = x.length;
  if (x.every((v) => v === x[0])) return { kind: 'constant', bits: 8 + bps };
  let best: Plan = { kind: 'verbatim', bits: 8 + n * bps };
  const order = bestFixedOrder(x);
  const residual = fixedResidual(x, order);
  for (let p = 0; p <= MAX_PARTITION_ORDER && n % (1 << p) === 0 && n >> p > order; p++) {
    const params: number[] = [];
    let bits = 8 + order * bps + 6;
    const size = n >> p;
    for (let part = 0; part < 1 << p; part++) {
      const from = part === 0 ? 0 : part * size - order;
      const { param, cost } = bestRiceParam(residual, from, (part + 1) * size - order);
      params.push(param);
      bits += 4 + cost;
    }
    if (bits < best.bits) best = { kind: 'fixed', bits, order, residual, partitionOrder: p, params };
  }
  return best;
}

/** The fixed predictor order (0–4) with the smallest sum of absolute residuals. */
function bestFixedOrder(x: Int32Array): number {
  const n = x.length;
  let [s0, s1, s2, s3, s4] = [0, 0, 0, 0, 0];
  for (let i = 4; i < n; i++) {
    const e0 = x[i]!;
    const e1 = e0 - x[i - 1]!;
    const e2 = e1 - (x[i - 1]! - x[i - 2]!);
    const e3 = e2 - (x[i - 1]! - 2 * x[i - 2]! + x[i - 3]!);
    const e4 = e3 - (x[i - 1]! - 3 * x[i - 2]! + 3 * x[i - 3]! - x[i - 4]!);
    s0 += Math.abs(e0);
    s1 += Math.abs(e1);
    s2 += Math.abs(e2);
    s3 += Math.abs(e3);
    s4 += Math.abs(e4);
  }
  const sums = [s0, s1, s2, s3, s4];
  let order = 0;
  for (let o = 1; o <= Math.min(4, n - 1); o++) if (sums[o]! < sums[order]!) order = o;
  return Math.min(order, n - 1);
}

const FIXED_COEFS = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]];

/** Residuals of the fixed predictor `order`, samples `order`…n−1. */
function fixedResidual(x: Int32Array, order: number): Int32Array {
  const coefs = FIXED_COEFS[order]!;
  const out = new Int32Array(x.length - order);
  for (let i = order; i < x.length; i++) {
    let prediction = 0;
    for (let j = 0; j < order; j++) prediction += coefs[j]! * x[i - 1 - j]!;
    out[i - order] = x[i]! - prediction;
  }
  return out;
}

const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

/** The Rice parameter with the fewest bits for residuals [from, to), and those bits. */
function bestRiceParam(residual: Int32Array, from: number, to: number): { param: number; cost: number } {
  let sum = 0;
  for (let i = from; i < to; i++) sum += zigzag(residual[i]!);
  const mean = sum / Math.max(1, to - from);
  const guess = mean < 1 ? 0 : Math.floor(Math.log2(mean));
  let best = { param: 0, cost: Infinity };
  for (let k = Math.max(0, guess - 1); k <= Math.min(MAX_RICE_PARAM, guess + 1); k++) {
    let cost = (to - from) * (k + 1);
    for (let i = from; i < to; i++) cost += zigzag(residual[i]!) >>> k;
    if (cost < best.cost) best = { param: k, cost };
  }
  if (best.cost === Infinity) {
    let cost = (to - from) * (MAX_RICE_PARAM + 1);
    for (let i = from; i < to; i++) cost += zigzag(residual[i]!) >>> MAX_RICE_PARAM;
    best = { param: MAX_RICE_PARAM, cost };
  }
  return best;
}

function writeSubframe(w: BitWriter, x: Int32Array, p: Plan, bps: number): void {
  if (p.kind === 'constant') {
    w.write(0, 8);
    w.write(x[0]!, bps);
    return;
  }
  if (p.kind === 'verbatim') {
    w.write(0b00000010, 8);
    for (const v of x) w.write(v, bps);
    return;
  }
  w.write((0b001000 | p.order) << 1, 8);
  for (let i = 0; i < p.order; i++) w.write(x[i]!, bps);
  w.write(0, 2); // Rice, 4-bit parameters.
  w.write(p.partitionOrder, 4);
  const size = x.length >> p.partitionOrder;
  p.params.forEach((k, part) => {
    w.write(k, 4);
    const from = part === 0 ? 0 : part * size - p.order;
    for (let i = from; i < (part + 1) * size - p.order; i++) {
      const u = zigzag(p.residual[i]!);
      w.writeUnary(u >>> k);
      if (k > 0) w.write(u, k);
    }
  });
}
