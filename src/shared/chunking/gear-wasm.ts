/**
 * The gear-hash cut search of FastCDC as a tiny WebAssembly function, assembled here byte by byte
 * (no toolchain, nothing to download). It finds exactly the cut points of the JavaScript loop in
 * `fastcdc.ts`, which stays the reference; the tests hold the two to the same answers.
 *
 * Why: the JavaScript loop reaches full speed only after the JIT has warmed up on it, and a scan
 * worker lives for one scan; the WebAssembly loop runs at full speed from the first byte and is
 * about twice as fast once both are warm (no bounds checks, no tagging).
 *
 * Memory layout: the 256-entry gear table (1 KiB) at address 0, then a window of the data.
 */

/** Cut-point search parameters, in the form the loop wants them. */
export interface CutSearch {
  minBytes: number;
  avgBytes: number;
  maxBytes: number;
  /** Mask used before the average size (more bits: harder to hit). */
  small: number;
  /** Mask used after the average size. */
  large: number;
}

/** A cut-point finder backed by WebAssembly; one per thread (it owns its memory). */
export interface WasmCutter {
  /** Like `findCutPoint`: the length of the chunk that starts at `start`, looking at no byte at or past `end`. */
  cutPoint(bytes: Uint8Array, start: number, end: number, search: CutSearch): number;
  /** Every cut (chunk end offset) of a whole buffer, ascending; the last equals `bytes.length`. */
  boundaries(bytes: Uint8Array, search: CutSearch): number[];
}

const GEAR_BYTES = 1024;
const WASM_PAGE = 64 * 1024;

const uleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (text: string): number[] => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];

// Opcodes used below.
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const RETURN = 0x0f;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_LOAD = 0x28;
const I32_LOAD8_U = 0x2d;
const I32_CONST = 0x41;
const I32_EQZ = 0x45;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I32_SHL = 0x74;
const I32 = 0x7f;

// Parameters and local of `cut(i, normal, limit, small, large) -> i32`; positions are addresses.
const I = 0;
const NORMAL = 1;
const LIMIT = 2;
const SMALL = 3;
const LARGE = 4;
const HASH = 5;

/**
 * while (i < bound) { hash = (hash << 1) + gear[mem[i]]; i++; if ((hash & mask) == 0) return i; }
 */
const gearLoop = (bound: number, mask: number): number[] => [
  BLOCK, VOID,
  LOOP, VOID,
  LOCAL_GET, I, LOCAL_GET, bound, I32_GE_U, BR_IF, 1,
  LOCAL_GET, HASH, I32_CONST, 1, I32_SHL,
  LOCAL_GET, I, I32_LOAD8_U, 0, 0, I32_CONST, 2, I32_SHL, I32_LOAD, 2, 0,
  I32_ADD, LOCAL_SET, HASH,
  LOCAL_GET, I, I32_CONST, 1, I32_ADD, LOCAL_SET, I,
  LOCAL_GET, HASH, LOCAL_GET, mask, I32_AND, I32_EQZ,
  IF, VOID, LOCAL_GET, I, RETURN, END,
  BR, 0,
  END,
  END,
]; // prettier-ignore

const moduleBytes = (): Uint8Array => {
  const body = [1, 1, I32, ...gearLoop(NORMAL, SMALL), ...gearLoop(LIMIT, LARGE), LOCAL_GET, LIMIT, END];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 1, I32]), // type: (i32 x5) -> i32
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // import memory, min 1 page
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...name('cut'), 0x00, 0]), // export it as "cut"
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]); // prettier-ignore
};

/** The part of the WebAssembly API used here (shared code is typed without DOM or Node globals). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * A cutter using `gear` as the table and a data window of `windowBytes` (at least twice the
 * largest chunk, so most chunks need no copy of their own); null where WebAssembly cannot run.
 */
export const createWasmCutter = (gear: Int32Array, windowBytes = 2 * 1024 * 1024): WasmCutter | null => {
  if (gear.length !== 256) throw new RangeError('the gear table has 256 entries');
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  let cut: (i: number, normal: number, limit: number, small: number, large: number) => number;
  let memory: { buffer: ArrayBuffer };
  try {
    memory = new api.Memory({ initial: Math.ceil((GEAR_BYTES + windowBytes) / WASM_PAGE) });
    const instance = new api.Instance(new api.Module(moduleBytes()), { env: { memory } });
    cut = instance.exports['cut'] as typeof cut;
  } catch {
    return null;
  }
  new Int32Array(memory.buffer, 0, 256).set(gear);
  const window = new Uint8Array(memory.buffer, GEAR_BYTES, windowBytes);

  const cutPoint = (bytes: Uint8Array, start: number, end: number, s: CutSearch): number => {
    const available = end - start;
    if (available <= s.minBytes) return available;
    const span = Math.min(available, s.maxBytes);
    if (span > windowBytes) throw new RangeError('chunk window larger than the cutter window');
    window.set(bytes.subarray(start, start + span));
    const base = GEAR_BYTES;
    return (
      cut(base + s.minBytes, base + Math.min(available, s.avgBytes), base + span, s.small, s.large) - base
    );
  };

  const boundaries = (bytes: Uint8Array, s: CutSearch): number[] => {
    if (s.maxBytes > windowBytes) throw new RangeError('chunk window larger than the cutter window');
    const cuts: number[] = [];
    const length = bytes.length;
    // The window holds bytes[winStart, winEnd).
    let winStart = 0;
    let winEnd = 0;
    let start = 0;
    while (start < length) {
      const available = length - start;
      if (available <= s.minBytes) {
        start = length;
        cuts.push(start);
        continue;
      }
      const span = Math.min(available, s.maxBytes);
      if (start + span > winEnd) {
        winStart = start;
        winEnd = Math.min(length, start + windowBytes);
        window.set(bytes.subarray(winStart, winEnd));
      }
      const base = GEAR_BYTES + (start - winStart);
      start +=
        cut(base + s.minBytes, base + Math.min(available, s.avgBytes), base + span, s.small, s.large) - base;
      cuts.push(start);
    }
    return cuts;
  };

  return { cutPoint, boundaries };
};
