import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkCorruptError, ChunkHashMismatchError, ChunkStore, sha256Hex, verifyChunk } from './chunk-store';
import { componentLogger } from '../../shared/logger';

const aChunk = (size = 1000) => {
  const bytes = new Uint8Array(randomBytes(size));
  return { id: sha256Hex(bytes), bytes };
};

const filesUnder = async (root: string): Promise<string[]> =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => d.name);

describe('ChunkStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'firefly-store-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores, verifies, fans out and deletes entries', async () => {
    const store = await ChunkStore.open(root);
    const c = aChunk();
    expect(store.has(c.id)).toBe(false);
    expect(await store.get(c.id)).toBeNull();
    await store.put(verifyChunk(c.id, c.bytes));
    await store.put(verifyChunk(c.id, c.bytes));
    expect(store.has(c.id)).toBe(true);
    expect(store.pathOf(c.id)).toBe(join(root, c.id.slice(0, 2), c.id));
    expect(new Uint8Array(await readFile(store.pathOf(c.id)))).toEqual(c.bytes);
    expect(await store.get(c.id)).toEqual(c.bytes);
    expect(store.stats()).toMatchObject({ count: 1, sizeBytes: 1000 });
    expect(await store.delete(c.id)).toBe(true);
    expect(await store.delete(c.id)).toBe(false);
    expect(store.has(c.id)).toBe(false);
    expect(store.sizeBytes).toBe(0);
    expect(await store.get('not-an-id')).toBeNull();
  });

  it('stores a chunk given in parts, hashing the parts together', async () => {
    const store = await ChunkStore.open(root);
    const c = aChunk(70_000);
    const parts = [c.bytes.subarray(0, 1), c.bytes.subarray(1, 65_000), c.bytes.subarray(65_000)];
    await store.put(verifyChunk(c.id, parts));
    expect(await store.get(c.id)).toEqual(c.bytes);
    expect(store.stats()).toMatchObject({ count: 1, sizeBytes: 70_000 });
    const wrong = [c.bytes.subarray(1), c.bytes.subarray(0, 1)];
    const other = aChunk();
    expect(() => verifyChunk(other.id, wrong)).toThrow(ChunkHashMismatchError);
  });

  it('moves entries of the former two-level layout up on open', async () => {
    const [a, b] = [aChunk(), aChunk()];
    for (const c of [a, b]) {
      const legacyDir = join(root, c.id.slice(0, 2), c.id.slice(2, 4));
      await mkdir(legacyDir, { recursive: true });
      await writeFile(join(legacyDir, c.id), c.bytes);
      await writeFile(join(legacyDir, `.${c.id}.1.abcd.tmp`), c.bytes.subarray(0, 10));
    }
    const store = await ChunkStore.open(root);
    expect(store.stats()).toMatchObject({ count: 2, sizeBytes: 2000, tempFilesRemoved: 2 });
    for (const c of [a, b]) {
      expect(await store.get(c.id)).toEqual(c.bytes);
      await expect(stat(join(root, c.id.slice(0, 2), c.id.slice(2, 4)))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    }
  });

  it('refuses bytes that do not match their id', async () => {
    const store = await ChunkStore.open(root);
    const c = aChunk();
    const other = aChunk();
    expect(() => verifyChunk(c.id, other.bytes)).toThrow(ChunkHashMismatchError);
    expect(store.has(c.id)).toBe(false);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('verifies a chunk once, and refuses an id that is not a content id', () => {
    const c = aChunk();
    expect(verifyChunk(c.id, c.bytes)).toMatchObject({ chunkId: c.id, bytes: c.bytes });
    expect(() => verifyChunk('../../etc/passwd', c.bytes)).toThrow(ChunkHashMismatchError);
  });

  it('removes a corrupt entry on read and then reports it missing', async () => {
    const log: string[] = [];
    const store = await ChunkStore.open(root, { logger: componentLogger((m) => log.push(m)) });
    const c = aChunk();
    await store.put(verifyChunk(c.id, c.bytes));
    const damaged = c.bytes.slice();
    damaged[10] = damaged[10]! ^ 0xff;
    await writeFile(store.pathOf(c.id), damaged);

    await expect(store.get(c.id)).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(store.has(c.id)).toBe(false);
    await expect(stat(store.pathOf(c.id))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.get(c.id)).toBeNull();
    expect(store.stats()).toMatchObject({ corruptions: 1, count: 0, sizeBytes: 0 });
    expect(log.join('\n')).toContain(c.id);
  });

  it('evicts the least recently used unpinned entries above the limit', async () => {
    const pinned = new Set<string>();
    const store = await ChunkStore.open(root, { isPinned: (id) => pinned.has(id) }, { maxBytes: 3000 });
    const [a, b, c, d] = [aChunk(), aChunk(), aChunk(), aChunk()];
    for (const x of [a!, b!, c!]) await store.put(verifyChunk(x.id, x.bytes));
    await store.get(a!.id); // a becomes most recent: order b, c, a
    pinned.add(b!.id); // b is the oldest but belongs to the user's library
    await store.put(verifyChunk(d!.id, d!.bytes));
    expect([a, b, c, d].map((x) => store.has(x!.id))).toEqual([true, true, false, true]);
    expect(store.stats()).toMatchObject({ evictions: 1, sizeBytes: 3000 });
    expect(await filesUnder(root)).toHaveLength(3);
  });

  it('never evicts pinned entries, even over the limit', async () => {
    const store = await ChunkStore.open(root, { isPinned: () => true }, { maxBytes: 1000 });
    const [a, b] = [aChunk(), aChunk()];
    await store.put(verifyChunk(a!.id, a!.bytes));
    await store.put(verifyChunk(b!.id, b!.bytes));
    expect(store.has(a!.id) && store.has(b!.id)).toBe(true);
    expect(store.sizeBytes).toBe(2000);
  });

  it('reindexes on reopen, using modification time as last use', async () => {
    const first = await ChunkStore.open(root);
    const chunks = [aChunk(), aChunk(), aChunk()];
    for (const c of chunks) await first.put(verifyChunk(c.id, c.bytes));
    // Make the middle one the oldest on disk.
    await utimes(first.pathOf(chunks[1]!.id), new Date(1_000_000), new Date(1_000_000));
    await utimes(first.pathOf(chunks[0]!.id), new Date(2_000_000), new Date(2_000_000));

    const reopened = await ChunkStore.open(root, {}, { maxBytes: 2000 });
    expect(reopened.stats()).toMatchObject({ count: 2, sizeBytes: 2000, evictions: 1 });
    expect(reopened.has(chunks[1]!.id)).toBe(false);
    expect(await reopened.get(chunks[0]!.id)).toEqual(chunks[0]!.bytes);
    expect(await reopened.get(chunks[2]!.id)).toEqual(chunks[2]!.bytes);
  });

  it('leaves no corrupt entry when the writing process is killed mid-write', async () => {
    const storeModule = resolve(import.meta.dirname, 'chunk-store.ts');
    const script = join(root, 'writer.mts');
    // Large chunks make each write+fsync long enough that the kill lands inside one.
    await writeFile(
      script,
      `import { randomBytes } from 'node:crypto';
       import { ChunkStore, sha256Hex, verifyChunk } from ${JSON.stringify(storeModule)};
       const store = await ChunkStore.open(process.argv[2]!);
       for (;;) {
         const bytes = new Uint8Array(randomBytes(16 * 1024 * 1024));
         const id = sha256Hex(bytes);
         process.stdout.write('writing ' + id + '\\n');
         await store.put(verifyChunk(id, bytes));
         process.stdout.write('stored ' + id + '\\n');
       }`,
    );

    const storeDir = join(root, 'store');
    let caughtMidWrite = 0;
    const stored: string[] = [];
    for (let attempt = 0; attempt < 6 && caughtMidWrite === 0; attempt++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, storeDir], {
        cwd: resolve(import.meta.dirname, '../../..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((done) => child.once('exit', done));
      const lines = createInterface({ input: child.stdout! });
      let writes = 0;
      for await (const line of lines) {
        if (line.startsWith('stored ')) stored.push(line.slice(7));
        if (line.startsWith('writing ') && ++writes === 2) {
          // Kill without warning as soon as the write's temp file shows up.
          const deadline = Date.now() + 5000;
          while (Date.now() < deadline && !(await filesUnder(storeDir)).some((n) => n.endsWith('.tmp'))) {
            await new Promise((r) => setTimeout(r, 1));
          }
          child.kill('SIGKILL');
          break;
        }
      }
      lines.close();
      await exited;
      const names = await filesUnder(storeDir);
      if (names.some((n) => n.endsWith('.tmp'))) caughtMidWrite++;
    }
    expect(caughtMidWrite).toBeGreaterThan(0);

    const store = await ChunkStore.open(storeDir);
    expect(store.stats().tempFilesRemoved).toBeGreaterThan(0);
    expect((await filesUnder(storeDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(store.stats().count).toBeGreaterThanOrEqual(stored.length);
    for (const id of stored) expect(store.has(id)).toBe(true);
    // Every entry that survived is whole: get() re-hashes and would throw otherwise.
    for (const id of store.ids()) expect((await store.get(id))?.length).toBe(16 * 1024 * 1024);
    expect(store.stats().corruptions).toBe(0);
  });

  it('evicts other cached tracks before the chunks of a download in progress', async () => {
    const store = await ChunkStore.open(root, {}, { maxBytes: 3000 });
    const [old1, old2, busy1, busy2] = [aChunk(), aChunk(), aChunk(), aChunk()];
    // The download's first chunk is the least recently used entry of all.
    await store.put(verifyChunk(busy1.id, busy1.bytes));
    await store.put(verifyChunk(old1.id, old1.bytes));
    await store.put(verifyChunk(old2.id, old2.bytes));
    const keep = (id: string) => id === busy1.id || id === busy2.id;
    await store.put(verifyChunk(busy2.id, busy2.bytes), { keep });
    expect(store.has(busy1.id)).toBe(true);
    expect(store.has(old1.id)).toBe(false);
    expect(store.has(old2.id)).toBe(true);
  });

  it('frees room on a full disk from other cached tracks only', async () => {
    const store = await ChunkStore.open(root);
    const [old, busy] = [aChunk(), aChunk()];
    await store.put(verifyChunk(busy.id, busy.bytes));
    await store.put(verifyChunk(old.id, old.bytes));
    const keep = (id: string) => id === busy.id;
    expect(await store.evictBytes(5000, keep)).toBe(1000);
    expect(store.has(busy.id)).toBe(true);
    expect(store.has(old.id)).toBe(false);
    expect(await store.evictBytes(5000, keep)).toBe(0);
  });
});
