import { describe, expect, it } from 'vitest';
import type { ChunkRef } from '../../shared/library/types';
import { chunksCovering, storedUntil, waitForRange, type ArrivalSource } from './arriving-track';

const chunks: ChunkRef[] = [0, 1, 2, 3].map((index) => ({
  index,
  chunkId: `c${index}`,
  offsetBytes: index * 100,
  lengthBytes: 100,
}));

function source(stored: Set<string>) {
  const chunkListeners = new Set<() => void>();
  const failListeners = new Set<() => void>();
  const src: ArrivalSource = {
    chunks,
    has: (id) => stored.has(id),
    onChunk: (listener, signal) => {
      chunkListeners.add(listener);
      signal.addEventListener('abort', () => chunkListeners.delete(listener));
    },
    onFailed: (listener, signal) => {
      failListeners.add(listener);
      signal.addEventListener('abort', () => failListeners.delete(listener));
    },
  };
  return {
    src,
    store: (id: string) => (stored.add(id), [...chunkListeners].forEach((l) => l())),
    fail: () => [...failListeners].forEach((l) => l()),
    listening: () => chunkListeners.size + failListeners.size,
  };
}

describe('a track still arriving', () => {
  it('names the chunks a byte range lies in', () => {
    expect(chunksCovering(chunks, { start: 0, end: 100 })).toEqual(['c0']);
    expect(chunksCovering(chunks, { start: 99, end: 201 })).toEqual(['c0', 'c1', 'c2']);
    expect(chunksCovering(chunks, { start: 300, end: 400 })).toEqual(['c3']);
  });

  it('serves a range once its chunks are stored, whatever else is missing', async () => {
    const s = source(new Set(['c0']));
    expect(
      await waitForRange(
        s.src,
        { start: 0, end: 50 },
        { signal: new AbortController().signal, waitMs: 1000 },
      ),
    ).toBe(true);
    const waiting = waitForRange(
      s.src,
      { start: 150, end: 250 },
      { signal: new AbortController().signal, waitMs: 5000 },
    );
    s.store('c3');
    s.store('c1');
    s.store('c2');
    expect(await waiting).toBe(true);
    expect(s.listening()).toBe(0);
  });

  it('gives up after its wait, on a failed download, or when the client goes away', async () => {
    const s = source(new Set());
    const range = { start: 0, end: 10 };
    expect(await waitForRange(s.src, range, { signal: new AbortController().signal, waitMs: 20 })).toBe(
      false,
    );
    const failing = waitForRange(s.src, range, { signal: new AbortController().signal, waitMs: 5000 });
    s.fail();
    expect(await failing).toBe(false);
    const client = new AbortController();
    const leaving = waitForRange(s.src, range, { signal: client.signal, waitMs: 5000 });
    client.abort();
    expect(await leaving).toBe(false);
    expect(s.listening()).toBe(0);
  });

  it('says where the stored bytes from an offset end', () => {
    const stored = new Set(['c0', 'c1', 'c3']);
    const has = (id: string) => stored.has(id);
    expect(storedUntil(chunks, has, 0)).toBe(200);
    expect(storedUntil(chunks, has, 150)).toBe(200);
    expect(storedUntil(chunks, has, 200)).toBe(200);
    expect(storedUntil(chunks, has, 250)).toBe(250);
    expect(storedUntil(chunks, has, 310)).toBe(400);
    expect(storedUntil(chunks, has, 400)).toBe(400);
  });
});
