import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHandleCache } from './file-handles';

describe('FileHandleCache', () => {
  let dir: string;
  let cache: FileHandleCache;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firefly-handles-'));
  });
  afterEach(async () => {
    await cache.close();
    await rm(dir, { recursive: true, force: true });
  });

  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

  it('reads ranges through one kept handle per file', async () => {
    cache = new FileHandleCache();
    const path = join(dir, 'a.bin');
    const data = bytes(10_000, 1);
    await writeFile(path, data);
    expect(await cache.read(path, 0, 100)).toEqual(data.subarray(0, 100));
    expect(await cache.read(path, 9_000, 1_000)).toEqual(data.subarray(9_000));
    expect(cache.size).toBe(1);
    const reads = await Promise.all([0, 1, 2, 3].map((k) => cache.read(path, k * 2_500, 2_500)));
    expect(reads.map((r) => r!.length)).toEqual([2_500, 2_500, 2_500, 2_500]);
    expect(cache.size).toBe(1);
  });

  it('answers null for a missing file or a range past the end, and keeps no handle for a missing file', async () => {
    cache = new FileHandleCache();
    expect(await cache.read(join(dir, 'nope.bin'), 0, 10)).toBeNull();
    expect(cache.size).toBe(0);
    const path = join(dir, 'short.bin');
    await writeFile(path, bytes(100, 2));
    expect(await cache.read(path, 50, 100)).toBeNull();
  });

  it('sees a file shortened in place once its handle is forgotten', async () => {
    cache = new FileHandleCache();
    const path = join(dir, 'b.bin');
    await writeFile(path, bytes(1_000, 3));
    expect(await cache.read(path, 500, 500)).not.toBeNull();
    await truncate(path, 600);
    cache.forget(path);
    expect(await cache.read(path, 500, 500)).toBeNull();
  });

  it('keeps at most maxOpen files open, closing the least recently used', async () => {
    cache = new FileHandleCache({ maxOpen: 2 });
    const paths = [0, 1, 2].map((i) => join(dir, `f${i}.bin`));
    await Promise.all(paths.map((p, i) => writeFile(p, bytes(64, i))));
    for (const p of paths) expect(await cache.read(p, 0, 64)).not.toBeNull();
    expect(cache.size).toBe(2);
    // The evicted file still reads (it is opened again).
    expect(await cache.read(paths[0]!, 0, 64)).toEqual(bytes(64, 0));
  });

  it('closes handles that were idle, and refuses reads after close', async () => {
    cache = new FileHandleCache({ idleMs: 50 });
    const path = join(dir, 'c.bin');
    await writeFile(path, bytes(64, 4));
    await cache.read(path, 0, 64);
    expect(cache.size).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(cache.size).toBe(0);
    await cache.close();
    await expect(cache.read(path, 0, 64)).rejects.toThrow(/closed/);
  });
});
