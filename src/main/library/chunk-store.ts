/**
 * Content-addressed chunk store on disk: `<root>/ab/<sha256hex>`, 256 folders by the id's first byte.
 * One level keeps a folder per 256 entries even for a cache of millions of chunks, and a new store
 * makes at most 256 folders; a second level made a folder for nearly every chunk of the first
 * downloads, and on some file systems a folder costs as much as the chunk's own write. Entries left
 * in the former `<root>/ab/cd/` layout are moved up when the store opens.
 *
 * - Writes are atomic (`chunk-files.ts`: the files, their layout and what opening finds); temp files
 *   are removed when the store opens. Entries are not fsynced: the store is a cache of bytes other
 *   peers hold, and every read re-hashes, so an entry a power cut left damaged is found, deleted and
 *   fetched again.
 * - Reads re-hash the bytes; a corrupt entry is deleted and reported, and then counts as missing.
 * - With a size limit, the least recently used entries are evicted, except pinned ones (chunks of
 *   the user's own library, which must stay servable).
 */
import { mkdir, readFile, unlink, utimes } from 'node:fs/promises';
import { isContentId } from '../../shared/chunking/ids';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';
import { entryPath, findEntries, isNotFound, writeEntry } from './chunk-files';
import { sha256Hex, type ChunkBytes, type VerifiedChunk } from './verified-chunk';

export * from './verified-chunk';

/** Thrown by `get` when an entry's bytes no longer match its id; the entry has been removed. */
export class ChunkCorruptError extends Error {
  override readonly name = 'ChunkCorruptError';
  constructor(readonly chunkId: string) {
    super(`chunk ${chunkId} is corrupt on disk and was removed`);
  }
}

/** What the store needs from the rest of the app. */
export interface ChunkStoreComponents {
  /** Chunks for which this returns true are never evicted (the user's own library). */
  isPinned?: (chunkId: string) => boolean;
  logger?: ComponentLogger;
}

/** Options; defaults are written once here. */
export interface ChunkStoreInit {
  /** Evict least recently used unpinned entries above this total size. Default: no limit. */
  maxBytes?: number;
  /** How stale an entry's on-disk access time may get before a read refreshes it. Default 60 s. */
  touchIntervalMs?: number;
}

/** Options of `ChunkStore.put`. */
export interface PutOptions {
  /** Entries to evict last if the put takes the store over its limit (chunks of running downloads). */
  keep?: (chunkId: string) => boolean;
}

/** Counters for status pages and tests. */
export interface ChunkStoreStats {
  count: number;
  sizeBytes: number;
  maxBytes: number;
  evictions: number;
  corruptions: number;
  tempFilesRemoved: number;
}

interface Entry {
  sizeBytes: number;
  /** When the entry's mtime was last set; mtime doubles as last access so LRU survives restarts. */
  touchedMs: number;
}

/** The on-disk content-addressed store. Open it with `ChunkStore.open`. */
export class ChunkStore {
  /** Fan-out folders known to exist, so a write costs no mkdir once its folder is made. */
  private readonly madeDirs = new Set<string>();
  readonly root: string;
  private readonly components: ChunkStoreComponents;
  private readonly maxBytes: number;
  private readonly touchIntervalMs: number;
  /** Insertion order is recency order: a use deletes and re-inserts. */
  private readonly entries = new Map<string, Entry>();
  private readonly writing = new Map<string, Promise<void>>();
  private totalBytes = 0;
  private evictions = 0;
  private corruptions = 0;
  private tempFilesRemoved = 0;

  readonly #log: Logger;

  private constructor(root: string, components: ChunkStoreComponents, init: ChunkStoreInit) {
    this.root = root;
    this.components = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:chunk-store');
    this.maxBytes = init.maxBytes ?? Number.POSITIVE_INFINITY;
    this.touchIntervalMs = init.touchIntervalMs ?? 60_000;
  }

  /** Opens the store at `root` (creating it), removes leftover temp files and indexes the entries. */
  static async open(
    root: string,
    components: ChunkStoreComponents = {},
    init: ChunkStoreInit = {},
  ): Promise<ChunkStore> {
    const store = new ChunkStore(root, components, init);
    await mkdir(root, { recursive: true });
    await store.load();
    await store.evict();
    return store;
  }

  /** Whether the store holds the chunk (not yet verified: `get` does that). */
  has(chunkId: string): boolean {
    return this.entries.has(chunkId);
  }

  /** The chunk's bytes after checking their hash, or null if absent. Throws ChunkCorruptError on a bad entry. */
  async get(chunkId: string): Promise<Uint8Array | null> {
    if (!isContentId(chunkId)) return null;
    const entry = this.entries.get(chunkId);
    if (!entry) return null;
    let bytes: Uint8Array;
    try {
      const buffer = await readFile(this.pathOf(chunkId));
      bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isNotFound(error)) {
        this.forget(chunkId);
        return null;
      }
      throw error;
    }
    if (sha256Hex(bytes) !== chunkId) {
      this.corruptions++;
      this.#log(`removed corrupt entry ${chunkId}`);
      await this.delete(chunkId);
      throw new ChunkCorruptError(chunkId);
    }
    this.markUsed(chunkId, entry);
    return bytes;
  }

  /** Stores a verified chunk (whole or in parts) under its id, atomically; a no-op if already present. */
  async put(chunk: VerifiedChunk, options: PutOptions = {}): Promise<void> {
    const { chunkId, bytes } = chunk;
    const existing = this.entries.get(chunkId);
    if (existing) {
      this.markUsed(chunkId, existing);
      return;
    }
    const inFlight = this.writing.get(chunkId);
    if (inFlight) return inFlight;
    const write = this.write(chunkId, bytes).finally(() => this.writing.delete(chunkId));
    this.writing.set(chunkId, write);
    await write;
    await this.evict(options.keep);
  }

  /** Removes an entry; returns whether it was there. */
  async delete(chunkId: string): Promise<boolean> {
    if (!isContentId(chunkId)) return false;
    const had = this.forget(chunkId);
    try {
      await unlink(this.pathOf(chunkId));
      return true;
    } catch (error) {
      if (isNotFound(error)) return had;
      throw error;
    }
  }

  /**
   * Evicts least recently used unpinned entries until the total fits the limit; returns how many.
   * Entries `keep` names (the chunks of downloads in progress) go last: other cached tracks first,
   * so a download never evicts its own beginning while older tracks sit in the cache.
   */
  async evict(keep?: (chunkId: string) => boolean): Promise<number> {
    if (this.totalBytes <= this.maxBytes) return 0;
    return this.evictLru(this.totalBytes - this.maxBytes, keep);
  }

  /**
   * Frees at least `bytes` (when it can) by evicting least recently used unpinned entries that
   * `keep` does not name; returns the bytes freed. For a disk that filled up below the size limit:
   * other cached tracks make room for the download in progress before it has to pause.
   */
  async evictBytes(bytes: number, keep?: (chunkId: string) => boolean): Promise<number> {
    const before = this.totalBytes;
    await this.evictLru(bytes, keep, { onlyOthers: true });
    return before - this.totalBytes;
  }

  private async evictLru(
    bytes: number,
    keep?: (chunkId: string) => boolean,
    options: { onlyOthers?: boolean } = {},
  ): Promise<number> {
    const victims: string[] = [];
    let excess = bytes;
    const kept: [string, Entry][] = [];
    for (const [chunkId, entry] of this.entries) {
      if (excess <= 0) break;
      if (this.components.isPinned?.(chunkId)) continue;
      if (keep?.(chunkId)) {
        kept.push([chunkId, entry]);
        continue;
      }
      victims.push(chunkId);
      excess -= entry.sizeBytes;
    }
    if (!options.onlyOthers) {
      for (const [chunkId, entry] of kept) {
        if (excess <= 0) break;
        victims.push(chunkId);
        excess -= entry.sizeBytes;
      }
    }
    for (const chunkId of victims) {
      await this.delete(chunkId);
      this.evictions++;
    }
    return victims.length;
  }

  /** Ids of all entries, least recently used first. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Total bytes of all entries. */
  get sizeBytes(): number {
    return this.totalBytes;
  }

  /** Counters since open. */
  stats(): ChunkStoreStats {
    return {
      count: this.entries.size,
      sizeBytes: this.totalBytes,
      maxBytes: this.maxBytes,
      evictions: this.evictions,
      corruptions: this.corruptions,
      tempFilesRemoved: this.tempFilesRemoved,
    };
  }

  /** Where an entry lives on disk. */
  pathOf(chunkId: string): string {
    return entryPath(this.root, chunkId);
  }

  private async write(chunkId: string, bytes: ChunkBytes): Promise<void> {
    const sizeBytes = await writeEntry(this.root, chunkId, bytes, this.madeDirs);
    const entry = { sizeBytes, touchedMs: Date.now() };
    this.entries.set(chunkId, entry);
    this.totalBytes += entry.sizeBytes;
  }

  private markUsed(chunkId: string, entry: Entry): void {
    this.entries.delete(chunkId);
    this.entries.set(chunkId, entry);
    const now = Date.now();
    if (now - entry.touchedMs < this.touchIntervalMs) return;
    entry.touchedMs = now;
    const at = new Date(now);
    utimes(this.pathOf(chunkId), at, at).catch(() => {
      // Losing one recency update only makes eviction slightly less precise.
    });
  }

  private forget(chunkId: string): boolean {
    const entry = this.entries.get(chunkId);
    if (!entry) return false;
    this.entries.delete(chunkId);
    this.totalBytes -= entry.sizeBytes;
    return true;
  }

  private async load(): Promise<void> {
    const found = await findEntries(this.root);
    for (const dir of found.dirs) this.madeDirs.add(dir);
    this.tempFilesRemoved += found.tempFilesRemoved;
    for (const f of found.entries) {
      this.entries.set(f.chunkId, { sizeBytes: f.sizeBytes, touchedMs: f.mtimeMs });
      this.totalBytes += f.sizeBytes;
    }
    if (this.tempFilesRemoved > 0) {
      this.#log(`removed ${this.tempFilesRemoved} unfinished writes`);
    }
  }
}
