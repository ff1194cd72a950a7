/**
 * The chunk store's files on disk (`chunk-store.ts` keeps the index, the recency order and the size
 * limit over them): where an entry lives, `<root>/ab/<sha256hex>`; how one is written atomically (a
 * temp file in the entry's own folder, renamed over the final name, so a crash leaves either the whole
 * entry or a temp file); and what opening a store finds: its entries by age, with leftover temp files
 * removed and entries of the former two-level `<root>/ab/cd/` layout moved up.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isContentId } from '../../shared/chunking/ids';
import { chunkLength, type ChunkBytes } from './verified-chunk';

const TEMP_SUFFIX = '.tmp';
const FANOUT = /^[0-9a-f]{2}$/;

/** The fan-out folder of an entry. */
export const entryDir = (root: string, chunkId: string): string => join(root, chunkId.slice(0, 2));

/** Where an entry lives on disk. */
export const entryPath = (root: string, chunkId: string): string => join(entryDir(root, chunkId), chunkId);

/** Whether a file system error says the file or folder is not there. */
export const isNotFound = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';

/**
 * Writes an entry atomically; returns its size. `madeDirs` holds the fan-out folders known to exist,
 * so a write costs no mkdir once its folder is made.
 */
export async function writeEntry(
  root: string,
  chunkId: string,
  bytes: ChunkBytes,
  madeDirs: Set<string>,
): Promise<number> {
  const final = entryPath(root, chunkId);
  const dir = entryDir(root, chunkId);
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const temp = join(dir, `.${chunkId}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx').catch(async (error: unknown) => {
    // The folder went away behind our back (cleaned by hand): make it again, once.
    if (!isNotFound(error)) throw error;
    await mkdir(dir, { recursive: true });
    return open(temp, 'wx');
  });
  const sizeBytes = chunkLength(bytes);
  try {
    // Parts go out in one writev; a short write (rare on files) finishes from a joined copy.
    const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
    let written = parts.length === 1 ? 0 : (await handle.writev(parts as Uint8Array[])).bytesWritten;
    if (written < sizeBytes) {
      const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts, sizeBytes);
      while (written < sizeBytes) {
        const { bytesWritten } = await handle.write(whole, written, sizeBytes - written);
        written += bytesWritten;
      }
    }
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, final);
  return sizeBytes;
}

/** An entry found on disk; its mtime is its last use. */
export interface FoundEntry {
  chunkId: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** What `findEntries` found. */
export interface FoundEntries {
  /** Least recently used first. */
  entries: FoundEntry[];
  /** The fan-out folders, which exist. */
  dirs: string[];
  tempFilesRemoved: number;
}

/** Indexes the entries under `root`, removing temp files and moving up entries of the former layout. */
export async function findEntries(root: string): Promise<FoundEntries> {
  const entries: FoundEntry[] = [];
  const dirs: string[] = [];
  let tempFilesRemoved = 0;
  for (const prefix of await listDirs(root)) {
    const dir = join(root, prefix);
    tempFilesRemoved += await moveUpLegacy(dir, prefix);
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (name.endsWith(TEMP_SUFFIX)) {
        await rm(path, { force: true });
        tempFilesRemoved++;
        continue;
      }
      if (!isContentId(name) || name.slice(0, 2) !== prefix) continue;
      const info = await stat(path);
      if (info.isFile()) entries.push({ chunkId: name, sizeBytes: info.size, mtimeMs: info.mtimeMs });
    }
    dirs.push(dir);
  }
  entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return { entries, dirs, tempFilesRemoved };
}

/** Moves entries of the former two-level layout (`<prefix>/cd/<id>`) up into `<prefix>/`; returns temp files removed. */
async function moveUpLegacy(dir: string, prefix: string): Promise<number> {
  let tempFilesRemoved = 0;
  for (const sub of await listDirs(dir)) {
    const legacy = join(dir, sub);
    for (const name of await readdir(legacy)) {
      const path = join(legacy, name);
      if (isContentId(name) && name.slice(0, 2) === prefix && name.slice(2, 4) === sub) {
        await rename(path, join(dir, name));
      } else if (name.endsWith(TEMP_SUFFIX)) {
        await rm(path, { force: true });
        tempFilesRemoved++;
      }
    }
    // Left in place if it holds anything else.
    await rmdir(legacy).catch(() => undefined);
  }
  return tempFilesRemoved;
}

const listDirs = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && FANOUT.test(d.name))
    .map((d) => d.name);
