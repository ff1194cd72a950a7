/**
 * The library as the rest of the app sees it: listings, chunk lists, verified chunk reads and track
 * bytes for playback, whether the bytes come from the user's own files or from the chunk store.
 *
 * The user's own files are never copied into the store: the index knows each chunk's (path, offset,
 * length), and a read re-hashes what it finds there. If a file changed since it was scanned, the
 * read falls back to the store and asks the scanner to look again.
 */
import { isContentId } from '../../shared/chunking/ids';
import { compareTracks, type ChunkRef, type SkippedFile, type TrackInfo } from '../../shared/library/types';
import { ChunkCorruptError, sha256Hex, type ChunkStore } from './chunk-store';
import { FileHandleCache } from './file-handles';
import type { LibraryDb } from './db';
import type { LibraryScanner } from './scanner';
import { toTrackInfo } from './scan-record';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Thrown while reading a track when one of its chunks is neither in a local file nor in the store. */
export class ChunkUnavailableError extends Error {
  override readonly name = 'ChunkUnavailableError';
  constructor(
    readonly trackId: string,
    readonly chunkId: string,
  ) {
    super(`chunk ${chunkId} of track ${trackId} is not available locally`);
  }
}

/** Thrown when a track id is not in the index. */
export class TrackNotFoundError extends Error {
  override readonly name = 'TrackNotFoundError';
  constructor(readonly trackId: string) {
    super(`unknown track ${trackId}`);
  }
}

/** What the facade is built from. */
export interface LibraryComponents {
  db: LibraryDb;
  store: ChunkStore;
  /** When present, stale local files trigger a rescan and `skipped()` includes folder problems. */
  scanner?: LibraryScanner;
  logger?: ComponentLogger;
}

/** Counters for status pages. */
export interface LibraryStats {
  /** Chunk reads from local files whose bytes no longer matched (file edited since the scan). */
  staleReads: number;
  /** Store entries found corrupt on read (removed, reported missing). */
  corruptReads: number;
}

/** Read access to the local library and cached chunks. */
export class Library {
  private readonly components: LibraryComponents;
  private readonly counters: LibraryStats = { staleReads: 0, corruptReads: 0 };
  /** Serving chunks reads the same few files over and over: their handles stay open a while. */
  private readonly files = new FileHandleCache();

  readonly #log: Logger;

  constructor(components: LibraryComponents) {
    this.components = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:library');
  }

  /** Tracks of the user's own library, ordered by artist, album, track number, title. */
  list(): TrackInfo[] {
    return this.components.db.localTracks().map(toTrackInfo).sort(compareTracks);
  }

  /** A track by id, local or known from a peer; null if unknown. */
  get(trackId: string): TrackInfo | null {
    const track = this.components.db.getTrack(trackId);
    return track ? toTrackInfo(track) : null;
  }

  /** Whether some local file holds the track. */
  isLocal(trackId: string): boolean {
    return this.components.db.isLocalTrack(trackId);
  }

  /** The track's chunks in file order, or null if the track is unknown. */
  chunkList(trackId: string): ChunkRef[] | null {
    if (!this.components.db.getTrack(trackId)) return null;
    return this.components.db.chunkList(trackId);
  }

  /** Whether the chunk can probably be read here (a local file lists it or the store has it); unverified. */
  hasChunk(chunkId: string): boolean {
    return this.components.store.has(chunkId) || this.components.db.isLocalChunk(chunkId);
  }

  /** `hasChunk` for the chunks of one track, with the local files asked once for all of them. */
  chunksHere(trackId: string): (chunkId: string) => boolean {
    const local = this.components.db.localChunksOf(trackId);
    return (chunkId) => local.has(chunkId) || this.components.store.has(chunkId);
  }

  /** The chunk's bytes, verified against its id, from a local file or the store; null if not available. */
  async readChunk(chunkId: string): Promise<Uint8Array | null> {
    if (!isContentId(chunkId)) return null;
    for (const source of this.components.db.chunkSources(chunkId)) {
      const bytes = await this.files.read(source.path, source.offsetBytes, source.lengthBytes);
      if (bytes && sha256Hex(bytes) === chunkId) return bytes;
      this.staleFile(source.path);
    }
    try {
      return await this.components.store.get(chunkId);
    } catch (error) {
      if (!(error instanceof ChunkCorruptError)) throw error;
      this.counters.corruptReads++;
      return null;
    }
  }

  /**
   * The track's bytes in order, one verified chunk at a time (for playback or serving a whole
   * file). Throws TrackNotFoundError up front, ChunkUnavailableError when a chunk is missing.
   */
  async *trackBytes(trackId: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    const chunks = this.chunkList(trackId);
    if (!chunks) throw new TrackNotFoundError(trackId);
    const [path] = this.components.db.filesOfTrack(trackId);
    for (const chunk of chunks) {
      options.signal?.throwIfAborted();
      yield await this.#verifiedChunk(trackId, chunk, path);
    }
  }

  /** One chunk of a track, verified: from the local file through the kept handles, else from anywhere it is. */
  async #verifiedChunk(trackId: string, chunk: ChunkRef, path: string | undefined): Promise<Uint8Array> {
    let bytes: Uint8Array | null = null;
    if (path) {
      const read = await this.files.read(path, chunk.offsetBytes, chunk.lengthBytes);
      if (read && sha256Hex(read) === chunk.chunkId) bytes = read;
      else this.staleFile(path);
    }
    bytes ??= await this.readChunk(chunk.chunkId);
    if (!bytes) throw new ChunkUnavailableError(trackId, chunk.chunkId);
    return bytes;
  }

  /**
   * Bytes [start, end) of the track, one verified chunk at a time (chunks wholly before `start`
   * are not read): what a media request for a byte range streams.
   */
  async *trackRange(
    trackId: string,
    start: number,
    end: number,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<Uint8Array> {
    const chunks = this.chunkList(trackId);
    if (!chunks) throw new TrackNotFoundError(trackId);
    const [path] = this.components.db.filesOfTrack(trackId);
    for (const chunk of chunks) {
      const chunkEnd = chunk.offsetBytes + chunk.lengthBytes;
      if (chunkEnd <= start) continue;
      if (chunk.offsetBytes >= end) return;
      options.signal?.throwIfAborted();
      const bytes = await this.#verifiedChunk(trackId, chunk, path);
      yield bytes.subarray(
        Math.max(0, start - chunk.offsetBytes),
        Math.min(chunk.lengthBytes, end - chunk.offsetBytes),
      );
    }
  }

  /** The whole track in one buffer (see `trackBytes`). */
  async readTrack(trackId: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const track = this.components.db.getTrack(trackId);
    if (!track) throw new TrackNotFoundError(trackId);
    const out = new Uint8Array(track.sizeBytes);
    let offset = 0;
    for await (const bytes of this.trackBytes(trackId, options)) {
      out.set(bytes, offset);
      offset += bytes.length;
    }
    return out;
  }

  /** The track's cover image, or null. */
  cover(trackId: string): { mime: string; bytes: Uint8Array } | null {
    const hash = this.components.db.getTrack(trackId)?.coverHash;
    return hash ? this.components.db.cover(hash) : null;
  }

  /** Files that could not be added, with the reason. */
  skipped(): SkippedFile[] {
    return this.components.scanner?.skipped() ?? this.components.db.skippedFiles();
  }

  /** Counters since construction. */
  stats(): LibraryStats {
    return { ...this.counters };
  }

  /** Closes the files held open for chunk reads. */
  async close(): Promise<void> {
    await this.files.close();
  }

  private staleFile(path: string): void {
    this.files.forget(path);
    this.counters.staleReads++;
    this.#log(`${path} no longer matches the index; rescanning`);
    this.components.scanner?.rescanFile(path).catch(() => undefined);
  }
}
