/**
 * Content-defined chunking (FastCDC with normalized chunking, Xia et al. 2016/2020).
 *
 * A cut point depends only on the bytes near it, so inserting or changing bytes (a tag edit) moves
 * the cut points next to the edit and leaves every later chunk byte-identical, hence with the same id.
 * Peers must agree on every parameter and on the gear table, or the same file splits differently on
 * two machines; all of them are fixed here and covered by a golden test.
 */
import { createWasmCutter, type CutSearch, type WasmCutter } from './gear-wasm';

/** Chunk size bounds and the normalization level; every peer must use the same values. */
export interface ChunkingParams {
  minBytes: number;
  avgBytes: number;
  maxBytes: number;
  /** How many bits the mask gains below the average size and loses above it (FastCDC's NC level). */
  normalization: number;
}

/** The room-wide chunking parameters: ~64 KiB average, 16 KiB minimum, 256 KiB maximum, NC level 2. */
export const CHUNKING: Readonly<ChunkingParams> = Object.freeze({
  minBytes: 16 * 1024,
  avgBytes: 64 * 1024,
  maxBytes: 256 * 1024,
  normalization: 2,
});

/** The seed of the gear table; changing it changes every chunk id in every library. */
export const GEAR_SEED = 0x46_49_52_45; // "FIRE"

/** 256 pseudo-random 32-bit words from splitmix32, so the table is reproducible without shipping it. */
const makeGearTable = (seed: number): Int32Array => {
  const table = new Int32Array(256);
  let state = seed | 0;
  for (let i = 0; i < 256; i++) {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    table[i] = z ^ (z >>> 16);
  }
  return table;
};

const GEAR = makeGearTable(GEAR_SEED);

/** The WebAssembly cut search of this thread: made on first use; null where WebAssembly cannot run. */
let wasmCutter: WasmCutter | null | undefined;
const cutter = (): WasmCutter | null =>
  wasmCutter === undefined ? (wasmCutter = createWasmCutter(GEAR)) : wasmCutter;

const searchFor = (params: ChunkingParams): CutSearch => ({ ...params, ...masksFor(params) });

interface Masks {
  /** Harder to hit: used before the average size, pushes chunks towards it. */
  small: number;
  /** Easier to hit: used after the average size. */
  large: number;
}

/**
 * The gear hash shifts left once per byte, so its high bits mix the most recent 32 bytes while its
 * low bits mix only the last few; masks therefore take the top bits.
 */
const topBits = (count: number): number => (count <= 0 ? 0 : count >= 32 ? -1 : ~((1 << (32 - count)) - 1));

const masksCache = new Map<string, Masks>();

const masksFor = (params: ChunkingParams): Masks => {
  const key = `${params.avgBytes}/${params.normalization}`;
  let masks = masksCache.get(key);
  if (!masks) {
    const bits = Math.round(Math.log2(params.avgBytes));
    masks = { small: topBits(bits + params.normalization), large: topBits(bits - params.normalization) };
    masksCache.set(key, masks);
  }
  return masks;
};

const checkParams = (params: ChunkingParams): void => {
  const { minBytes, avgBytes, maxBytes, normalization } = params;
  if (
    !Number.isInteger(minBytes) ||
    !Number.isInteger(avgBytes) ||
    !Number.isInteger(maxBytes) ||
    !Number.isInteger(normalization) ||
    minBytes < 64 ||
    !(minBytes <= avgBytes && avgBytes <= maxBytes) ||
    normalization < 0 ||
    normalization > 8
  ) {
    throw new RangeError(`invalid chunking parameters ${JSON.stringify(params)}`);
  }
};

/**
 * Length of the chunk that starts at `start`, looking at no byte at or past `end`: the reference
 * JavaScript loop (the WebAssembly one in `gear-wasm.ts` must agree with it byte for byte).
 * `end - start` must be the bytes left in the stream or at least `maxBytes`: a chunk that reaches
 * `end` is cut there, which is only right at the true end of the data or at the maximum size.
 */
export const findCutPointJs = (
  bytes: Uint8Array,
  start: number,
  end: number,
  params: ChunkingParams = CHUNKING,
): number => {
  const available = end - start;
  if (available <= params.minBytes) return available;
  const limit = start + Math.min(available, params.maxBytes);
  const normal = start + Math.min(available, params.avgBytes);
  const { small, large } = masksFor(params);
  const gear = GEAR;
  let hash = 0;
  let i = start + params.minBytes;
  for (; i < normal; i++) {
    hash = ((hash << 1) + gear[bytes[i]!]!) | 0;
    if ((hash & small) === 0) return i + 1 - start;
  }
  for (; i < limit; i++) {
    hash = ((hash << 1) + gear[bytes[i]!]!) | 0;
    if ((hash & large) === 0) return i + 1 - start;
  }
  return limit - start;
};

/** `findCutPointJs`, computed by the WebAssembly loop where it can run. */
export const findCutPoint = (
  bytes: Uint8Array,
  start: number,
  end: number,
  params: ChunkingParams = CHUNKING,
): number => {
  const wasm = cutter();
  return wasm
    ? wasm.cutPoint(bytes, start, end, searchFor(params))
    : findCutPointJs(bytes, start, end, params);
};

/** `chunkBoundaries` with the reference JavaScript loop only. */
export const chunkBoundariesJs = (bytes: Uint8Array, params: ChunkingParams = CHUNKING): number[] => {
  checkParams(params);
  const cuts: number[] = [];
  let start = 0;
  while (start < bytes.length) {
    start += findCutPointJs(bytes, start, bytes.length, params);
    cuts.push(start);
  }
  return cuts;
};

/** Cut offsets of a whole buffer: the end offset of each chunk, ascending; the last equals `bytes.length`. */
export const chunkBoundaries = (bytes: Uint8Array, params: ChunkingParams = CHUNKING): number[] => {
  checkParams(params);
  const wasm = cutter();
  return wasm ? wasm.boundaries(bytes, searchFor(params)) : chunkBoundariesJs(bytes, params);
};

/** Where one chunk lies in the stream. */
export interface ChunkSpan {
  offset: number;
  length: number;
}

/**
 * Called for each completed chunk. `bytes` is a view into the chunker's buffer that is only valid
 * during the call: copy it or hash it before returning.
 */
export type ChunkSink = (span: ChunkSpan, bytes: Uint8Array) => void;

/**
 * Streaming chunker: feed a file piece by piece and get the same chunks as `chunkBoundaries` on the
 * whole file, while holding at most about two maximum-size chunks in memory.
 */
export class Chunker {
  private readonly params: ChunkingParams;
  private buffer: Uint8Array;
  private start = 0;
  private end = 0;
  /** Stream offset of `buffer[start]`. */
  private offset = 0;
  private finished = false;

  constructor(params: ChunkingParams = CHUNKING) {
    checkParams(params);
    this.params = params;
    this.buffer = new Uint8Array(params.maxBytes * 2);
  }

  /** Adds the next piece of the stream; returns the chunks it completed (and reports each to `sink`). */
  push(piece: Uint8Array, sink?: ChunkSink): ChunkSpan[] {
    if (this.finished) throw new Error('Chunker.push after finish');
    const spans: ChunkSpan[] = [];
    const { maxBytes } = this.params;
    let read = 0;
    while (read < piece.length) {
      if (this.end === this.buffer.length) this.compact();
      const take = Math.min(piece.length - read, this.buffer.length - this.end);
      this.buffer.set(piece.subarray(read, read + take), this.end);
      this.end += take;
      read += take;
      // A cut needs maxBytes of lookahead to be final; with less, more data could move it.
      while (this.end - this.start >= maxBytes) this.emit(this.end, spans, sink);
    }
    return spans;
  }

  /** Ends the stream and returns its last chunks. */
  finish(sink?: ChunkSink): ChunkSpan[] {
    if (this.finished) return [];
    this.finished = true;
    const spans: ChunkSpan[] = [];
    while (this.end > this.start) this.emit(this.end, spans, sink);
    return spans;
  }

  /** Bytes pushed so far. */
  get bytesIn(): number {
    return this.offset + (this.end - this.start);
  }

  private emit(end: number, spans: ChunkSpan[], sink: ChunkSink | undefined): void {
    const length = findCutPoint(this.buffer, this.start, end, this.params);
    const span = { offset: this.offset, length };
    spans.push(span);
    sink?.(span, this.buffer.subarray(this.start, this.start + length));
    this.start += length;
    this.offset += length;
  }

  private compact(): void {
    this.buffer.copyWithin(0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
  }
}
