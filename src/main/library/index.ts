/**
 * Builds the library services for one data folder. The composition root calls `openLibrary` once
 * and wires the returned services into the peer; nothing here is a module-level singleton.
 *
 * Data folder layout: `<dataDir>/library.sqlite` (index, WAL) and `<dataDir>/chunks/` (store).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkStore } from './chunk-store';
import { LibraryDb } from './db';
import { Library } from './library';
import { LibraryScanner, type ScannerStorage } from './scanner';
import type { ComponentLogger } from '../../shared/logger';

export {
  ChunkStore,
  ChunkCorruptError,
  ChunkHashMismatchError,
  chunkLength,
  sha256Hex,
  sha256HexOf,
  verifyChunk,
  type ChunkBytes,
  type VerifiedChunk,
} from './chunk-store';
export { LibraryDb, type TrackRecord } from './db';
export { SchemaTooNewError, SCHEMA_VERSION } from './schema';
export { Library, ChunkUnavailableError, TrackNotFoundError } from './library';
export { LibraryScanner, ScanAbortedError, type LibraryScannerEvents } from './scanner';
export { hashFile } from './scan-file';
export { toTrackInfo } from './scan-record';

/** Options of `openLibrary`. */
export interface LibraryOptions {
  dataDir: string;
  /** Library folders to scan. */
  folders: readonly string[];
  /** Size limit of the chunk cache (tracks fetched from peers); default 2 GiB. */
  cacheMaxBytes?: number;
  /** Watch the folders for changes (default true). */
  watch?: boolean;
  /** Rescan debounce (default 500 ms). */
  debounceMs?: number;
  logger?: ComponentLogger;
  /** The data folder's health: an index write that fails for want of space sets it (#24). */
  storage?: ScannerStorage;
}

/** The library services of one peer. */
export interface LibraryServices {
  db: LibraryDb;
  store: ChunkStore;
  scanner: LibraryScanner;
  library: Library;
  /** Starts the scanner: first scan in the background, then watching. */
  start(): Promise<void>;
  /** Stops the scanner and closes the index. */
  stop(): Promise<void>;
}

/** Opens the index and chunk store under `dataDir` and creates the scanner and facade. */
export const openLibrary = async (options: LibraryOptions): Promise<LibraryServices> => {
  await mkdir(options.dataDir, { recursive: true });
  const db = LibraryDb.open(join(options.dataDir, 'library.sqlite'));
  try {
    const store = await ChunkStore.open(
      join(options.dataDir, 'chunks'),
      { isPinned: (chunkId) => db.isLocalChunk(chunkId), logger: options.logger },
      { maxBytes: options.cacheMaxBytes ?? 2 * 1024 ** 3 },
    );
    const scanner = new LibraryScanner(
      { db, logger: options.logger, storage: options.storage },
      { folders: options.folders, watch: options.watch, debounceMs: options.debounceMs },
    );
    const library = new Library({ db, store, scanner, logger: options.logger });
    let stopped = false;
    return {
      db,
      store,
      scanner,
      library,
      start: () => scanner.start(),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await scanner.stop();
        await library.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
};
