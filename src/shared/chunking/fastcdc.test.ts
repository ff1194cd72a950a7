import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, testAudio, type TestAudio } from '../../../test/audio/make-audio';
import {
  CHUNKING,
  Chunker,
  chunkBoundaries,
  chunkBoundariesJs,
  findCutPoint,
  findCutPointJs,
  type ChunkingParams,
} from './fastcdc';
import { createWasmCutter } from './gear-wasm';
import { hexToBytes, isContentId, trackIdFromChunkIds } from './ids';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
const pseudoRandom = (length: number, seed: number): Uint8Array => {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};

const sizesOf = (cuts: number[]): number[] => cuts.map((cut, i) => cut - (i === 0 ? 0 : cuts[i - 1]!));

const chunkIds = (bytes: Uint8Array, cuts = chunkBoundaries(bytes)): string[] =>
  cuts.map((cut, i) => sha256(bytes.subarray(i === 0 ? 0 : cuts[i - 1]!, cut)));

const streamCuts = (bytes: Uint8Array, pieceSizes: (i: number) => number): number[] => {
  const chunker = new Chunker();
  const cuts: number[] = [];
  const collect = (span: { offset: number; length: number }, view: Uint8Array) => {
    expect(view.length).toBe(span.length);
    expect(sha256(view)).toBe(sha256(bytes.subarray(span.offset, span.offset + span.length)));
    cuts.push(span.offset + span.length);
  };
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const next = Math.min(bytes.length, offset + pieceSizes(i));
    chunker.push(bytes.subarray(offset, next), collect);
    offset = next;
  }
  chunker.finish(collect);
  return cuts;
};

describe('chunkBoundaries', () => {
  const data = pseudoRandom(8 * 1024 * 1024, 42);

  it('is deterministic and matches the pinned cut list every peer must agree on', () => {
    const cuts = chunkBoundaries(data);
    expect(chunkBoundaries(data.slice())).toEqual(cuts);
    // Pinned: if this changes, peers on different versions would split the same file differently.
    expect(cuts.length).toBe(111);
    expect(cuts.slice(0, 5)).toEqual([76886, 177596, 245030, 272434, 340821]);
    expect(sha256(new Uint8Array(new Uint32Array(cuts).buffer))).toBe(
      '67d98610a10605fe9de462220420ef94b61a46c7fde8d084926664c5a53d669f',
    );
  });

  it('respects the minimum and maximum chunk sizes and averages near the target', () => {
    const sizes = sizesOf(chunkBoundaries(data));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(data.length);
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(CHUNKING.minBytes);
      expect(size).toBeLessThanOrEqual(CHUNKING.maxBytes);
    }
    const mean = data.length / sizes.length;
    expect(mean).toBeGreaterThan(CHUNKING.avgBytes * 0.75);
    expect(mean).toBeLessThan(CHUNKING.avgBytes * 1.5);
  });

  it('cuts featureless data at the maximum size', () => {
    const zeros = new Uint8Array(CHUNKING.maxBytes * 3 + 1000);
    const sizes = sizesOf(chunkBoundaries(zeros));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(CHUNKING.maxBytes);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(zeros.length);
  });

  it('handles inputs no longer than the minimum as a single chunk, and empty input as none', () => {
    expect(chunkBoundaries(new Uint8Array(0))).toEqual([]);
    expect(chunkBoundaries(pseudoRandom(CHUNKING.minBytes, 1))).toEqual([CHUNKING.minBytes]);
    expect(chunkBoundaries(pseudoRandom(100, 1))).toEqual([100]);
  });

  it('rejects inconsistent parameters', () => {
    const bad: ChunkingParams = { ...CHUNKING, minBytes: CHUNKING.maxBytes * 2 };
    expect(() => chunkBoundaries(data, bad)).toThrow(RangeError);
  });

  it('keeps every chunk after an insertion near the start', () => {
    const edited = new Uint8Array(data.length + 777);
    edited.set(data.subarray(0, 5000));
    edited.set(pseudoRandom(777, 9), 5000);
    edited.set(data.subarray(5000), 5777);
    const before = chunkIds(data);
    const after = new Set(chunkIds(edited));
    const lost = before.filter((id) => !after.has(id));
    expect(lost.length).toBeLessThanOrEqual(2);
  });
});

describe('the WebAssembly cut search', () => {
  it('runs here (the fast path is the one under test)', () => {
    expect(createWasmCutter(new Int32Array(256))).not.toBeNull();
  });

  it('finds exactly the cuts of the reference JavaScript loop', () => {
    const paramsList: ChunkingParams[] = [
      CHUNKING,
      { minBytes: 64, avgBytes: 256, maxBytes: 1024, normalization: 0 },
      { minBytes: 2048, avgBytes: 8192, maxBytes: 65536, normalization: 3 },
      { minBytes: 4096, avgBytes: 4096, maxBytes: 4096, normalization: 1 },
    ];
    for (const params of paramsList) {
      for (let seed = 1; seed <= 6; seed++) {
        const length = ((seed * 1_234_567) % (3 * 1024 * 1024)) + seed;
        const bytes = pseudoRandom(length, seed * 7919);
        expect(chunkBoundaries(bytes, params)).toEqual(chunkBoundariesJs(bytes, params));
      }
    }
    // Featureless and nearly featureless data (cuts at the maximum), and lengths at the bounds.
    for (const length of [
      0,
      1,
      CHUNKING.minBytes,
      CHUNKING.minBytes + 1,
      CHUNKING.maxBytes,
      5 * 1024 * 1024 + 3,
    ]) {
      const zeros = new Uint8Array(length);
      expect(chunkBoundaries(zeros)).toEqual(chunkBoundariesJs(zeros));
      const sparse = zeros.map((_, i) => (i % 4099 === 0 ? 0xa5 : 0));
      expect(chunkBoundaries(sparse)).toEqual(chunkBoundariesJs(sparse));
    }
  });

  it('agrees with the reference for single cut points anywhere in a buffer', () => {
    const bytes = pseudoRandom(1024 * 1024, 99);
    for (let start = 0; start < bytes.length; start += 37_111) {
      for (const end of [bytes.length, Math.min(bytes.length, start + CHUNKING.maxBytes), start + 100]) {
        if (end < start || end > bytes.length) continue;
        expect(findCutPoint(bytes, start, end)).toBe(findCutPointJs(bytes, start, end));
      }
    }
  });

  it('refuses a chunk size larger than its window', () => {
    const cutter = createWasmCutter(new Int32Array(256), 64 * 1024)!;
    const big = { minBytes: 1024, avgBytes: 65536, maxBytes: 128 * 1024, small: -1, large: -1 };
    expect(() => cutter.boundaries(new Uint8Array(300_000), big)).toThrow(RangeError);
  });
});

describe('Chunker (streaming)', () => {
  const data = pseudoRandom(3 * 1024 * 1024 + 12345, 7);
  const whole = chunkBoundaries(data);

  it.each([
    ['1-byte pieces for the first 64 KiB then 64 KiB', (i: number) => (i < 65536 ? 1 : 65536)],
    ['4 KiB pieces', () => 4096],
    ['pieces larger than the buffer', () => 1_000_000],
    ['irregular pieces', (i: number) => 1 + ((i * 7919) % 300_000)],
  ])('gives the same chunks as the whole-buffer function with %s', (_name, pieces) => {
    expect(streamCuts(data, pieces)).toEqual(whole);
  });

  it('reports spans and counts bytes, and refuses input after finish', () => {
    const chunker = new Chunker();
    const spans = [...chunker.push(data), ...chunker.finish()];
    expect(spans.map((s) => s.offset + s.length)).toEqual(whole);
    expect(chunker.bytesIn).toBe(data.length);
    expect(() => chunker.push(data)).toThrow();
    expect(chunker.finish()).toEqual([]);
  });
});

describe('track ids', () => {
  it('hash the concatenated raw chunk digests', () => {
    const ids = [sha256(new Uint8Array([1])), sha256(new Uint8Array([2]))];
    const raw = new Uint8Array([...hexToBytes(ids[0]!), ...hexToBytes(ids[1]!)]);
    expect(trackIdFromChunkIds(ids, sha256)).toBe(sha256(raw));
    expect(trackIdFromChunkIds([], sha256)).toBe(sha256(new Uint8Array(0)));
    expect(isContentId(trackIdFromChunkIds(ids, sha256))).toBe(true);
    expect(trackIdFromChunkIds([ids[1]!, ids[0]!], sha256)).not.toBe(trackIdFromChunkIds(ids, sha256));
  });

  it('refuse malformed chunk ids', () => {
    expect(() => trackIdFromChunkIds(['xyz'], sha256)).toThrow(RangeError);
    expect(isContentId('A'.repeat(64))).toBe(false);
  });
});

describe('editing a real audio file', () => {
  let audio: TestAudio;
  let dir: string;
  beforeAll(async () => {
    audio = await testAudio();
    dir = await mkdtemp(join(tmpdir(), 'firefly-cdc-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const survivors = (before: string[], after: string[]) => {
    const kept = new Set(after);
    return before.filter((id) => kept.has(id)).length;
  };

  it('changes only the first chunks when the ID3 title is rewritten', async () => {
    const original = new Uint8Array(await readFile(audio.longMp3));
    const retagged = join(dir, 'retagged.mp3');
    await promisify(execFile)(FFMPEG, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-i',
      audio.longMp3,
      '-map',
      '0',
      '-c',
      'copy',
      '-id3v2_version',
      '3',
      '-metadata',
      'title=A Much Longer Title Than Before, To Shift Every Byte',
      '-metadata',
      'comment=edited',
      retagged,
    ]);
    const edited = new Uint8Array(await readFile(retagged));
    expect(edited.length).not.toBe(original.length);

    const before = chunkIds(original);
    const after = chunkIds(edited);
    expect(before.length).toBeGreaterThan(8);
    expect(survivors(before, after)).toBeGreaterThanOrEqual(before.length - 2);
  });

  it('changes only the first chunks when bytes are inserted into the tag', async () => {
    const original = new Uint8Array(await readFile(audio.longMp3));
    const edited = new Uint8Array(original.length + 300);
    edited.set(original.subarray(0, 64));
    edited.set(pseudoRandom(300, 5), 64);
    edited.set(original.subarray(64), 364);
    const before = chunkIds(original);
    expect(survivors(before, chunkIds(edited))).toBeGreaterThanOrEqual(before.length - 2);
  });
});
