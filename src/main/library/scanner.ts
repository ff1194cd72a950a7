/**
 * The library scanner: walks the library folders, reads tags and splits each new or changed file
 * into content-defined chunks (one streaming pass: chunk + SHA-256), records it in the index, and
 * watches the folders to rescan when something changes.
 *
 * Rescans are cheap: one stat per file and one query for everything the index knows; only files
 * whose (size, mtime) changed are read again. Unreadable files are remembered with their reason
 * and (size, mtime), so they are not parsed again until they change, and never stop a scan.
 */
import { createHash } from 'node:crypto';
import { createReadStream, watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { TypedEventEmitter } from '@libp2p/interface';
import { Chunker } from '../../shared/chunking/fastcdc';
import { trackIdFromChunkIds } from '../../shared/chunking/ids';
import type { ChunkRef, ScanProgress, ScanSummary, SkippedFile, TrackInfo } from '../../shared/library/types';
import type { LibraryDb, TrackRecord } from './db';
import { AUDIO_EXTENSIONS, readAudioMeta, type AudioMeta } from './metadata';

/** Events of the scanner. */
export interface LibraryScannerEvents {
  'scan:progress': CustomEvent<ScanProgress>;
  'scan:done': CustomEvent<ScanSummary>;
  'track:added': CustomEvent<TrackInfo>;
  'track:removed': CustomEvent<{ trackId: string }>;
}

/** What the scanner needs. */
export interface LibraryScannerComponents {
  db: LibraryDb;
  log?: (message: string) => void;
}

/** Options; defaults are written once here. */
export interface LibraryScannerInit {
  /** Library folders (absolute or relative to the working directory). */
  folders: readonly string[];
  /** Watch the folders and rescan on change (default true). */
  watch?: boolean;
  /** Quiet time after the last change before rescanning (default 500 ms). */
  debounceMs?: number;
  /** Files read at once (default 4); overlaps disk reads with hashing. */
  concurrency?: number;
  /** Size of each read from a file (default 1 MiB). */
  readSizeBytes?: number;
}

/** Thrown by `scan` when the scanner was stopped or the caller's signal fired. */
export class ScanAbortedError extends Error {
  override readonly name = 'ScanAbortedError';
  constructor() {
    super('scan aborted');
  }
}

interface FoundFile {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

interface Hashed {
  chunks: ChunkRef[];
  trackId: string;
  bytesRead: number;
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Drops the index-only fields of a stored track. */
export const toTrackInfo = (t: TrackRecord): TrackInfo => ({
  id: t.id,
  title: t.title,
  artist: t.artist,
  album: t.album,
  trackNo: t.trackNo,
  durationSec: t.durationSec,
  codec: t.codec,
  sizeBytes: t.sizeBytes,
  hasCover: t.hasCover,
  chunkCount: t.chunkCount,
});

/** Splits a file into chunks while streaming it once; returns the chunk list and track id. */
export const hashFile = async (
  path: string,
  options: { readSizeBytes?: number; signal?: AbortSignal } = {},
): Promise<Hashed> => {
  const chunker = new Chunker();
  const chunks: ChunkRef[] = [];
  const onChunk = (span: { offset: number; length: number }, bytes: Uint8Array) => {
    chunks.push({
      index: chunks.length,
      chunkId: sha256Hex(bytes),
      offsetBytes: span.offset,
      lengthBytes: span.length,
    });
  };
  const stream = createReadStream(path, {
    highWaterMark: options.readSizeBytes ?? 1024 * 1024,
    signal: options.signal,
  });
  for await (const piece of stream as AsyncIterable<Buffer>) chunker.push(piece, onChunk);
  chunker.finish(onChunk);
  return {
    chunks,
    trackId: trackIdFromChunkIds(
      chunks.map((c) => c.chunkId),
      sha256Hex,
    ),
    bytesRead: chunker.bytesIn,
  };
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Scans library folders into the index and keeps it current. */
export class LibraryScanner extends TypedEventEmitter<LibraryScannerEvents> {
  private readonly components: LibraryScannerComponents;
  private folderList: string[];
  private readonly watchEnabled: boolean;
  private readonly debounceMs: number;
  private readonly concurrency: number;
  private readonly readSizeBytes: number;
  private controller: AbortController | null = null;
  private watchers: FSWatcher[] = [];
  private debounceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Serialises passes; a request made while one runs joins the next pass that has not started. */
  private chain: Promise<unknown> = Promise.resolve();
  private nextPass: Promise<ScanSummary> | null = null;
  private folderProblems: SkippedFile[] = [];
  /** Paths to re-read on the next pass even if their size and mtime look unchanged. */
  private readonly forced = new Set<string>();

  constructor(components: LibraryScannerComponents, init: LibraryScannerInit) {
    super();
    this.components = components;
    this.folderList = init.folders.map((f) => resolve(f));
    this.watchEnabled = init.watch ?? true;
    this.debounceMs = init.debounceMs ?? 500;
    this.concurrency = Math.max(1, init.concurrency ?? 4);
    this.readSizeBytes = init.readSizeBytes ?? 1024 * 1024;
  }

  /** The library folders, resolved. */
  get folders(): readonly string[] {
    return this.folderList;
  }

  /** Whether start() has run without a later stop(). */
  get running(): boolean {
    return this.controller !== null;
  }

  /** Starts watching the folders and runs a first scan in the background. Idempotent. */
  async start(): Promise<void> {
    if (this.controller) return;
    this.controller = new AbortController();
    if (this.watchEnabled) this.watchFolders(this.controller.signal);
    this.scan().catch((error: unknown) => this.logFailure(error));
  }

  /** Stops watching, cancels pending and running scans, and waits for them to settle. */
  async stop(): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    this.controller = null;
    controller.abort();
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = null;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.chain.catch(() => undefined);
  }

  /** Replaces the library folders; call `scan()` (or let a running scanner's watchers) pick it up. */
  setFolders(folders: readonly string[]): void {
    this.folderList = folders.map((f) => resolve(f));
    if (this.controller && this.watchEnabled) {
      for (const w of this.watchers) w.close();
      this.watchers = [];
      this.watchFolders(this.controller.signal);
    }
  }

  /** Files that could not be added (remembered across restarts) and folders that could not be read. */
  skipped(): SkippedFile[] {
    return [...this.folderProblems, ...this.components.db.skippedFiles()];
  }

  /** Runs one full pass over the folders (or joins the next one if a pass is already running). */
  scan(options: { signal?: AbortSignal } = {}): Promise<ScanSummary> {
    if (this.nextPass) return this.nextPass;
    const pass = this.chain.then(() => {
      this.nextPass = null;
      return this.runPass(options.signal);
    });
    this.nextPass = pass;
    this.chain = pass.catch(() => undefined);
    return pass;
  }

  /**
   * Re-reads one file on the next pass whatever its (size, mtime) say: used when its bytes were
   * found not to match the index (edited in place with the timestamp kept).
   */
  rescanFile(path: string): Promise<ScanSummary> {
    this.forced.add(path);
    return this.scan();
  }

  private watchFolders(signal: AbortSignal): void {
    for (const folder of this.folderList) {
      try {
        const watcher = watch(folder, { recursive: true, signal }, () => this.changed());
        watcher.on('error', (error) =>
          this.components.log?.(`library: watching ${folder} failed: ${errorText(error)}`),
        );
        this.watchers.push(watcher);
      } catch (error) {
        this.components.log?.(`library: cannot watch ${folder}: ${errorText(error)}`);
      }
    }
  }

  private changed(): void {
    if (!this.controller) return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.scan().catch((error: unknown) => this.logFailure(error));
    }, this.debounceMs);
  }

  private logFailure(error: unknown): void {
    if (error instanceof ScanAbortedError) return;
    this.components.log?.(`library: scan failed: ${errorText(error)}`);
  }

  private async runPass(callerSignal: AbortSignal | undefined): Promise<ScanSummary> {
    const signals = [this.controller?.signal, callerSignal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const checkAbort = () => {
      if (signal?.aborted) throw new ScanAbortedError();
    };
    const started = performance.now();
    const { db } = this.components;
    const summary: ScanSummary = {
      files: 0,
      scanned: 0,
      unchanged: 0,
      skipped: 0,
      tracksAdded: 0,
      tracksRemoved: 0,
      bytesRead: 0,
      durationMs: 0,
    };

    const { files, unreadable, folderProblems } = await this.walk(signal);
    this.folderProblems = folderProblems;
    checkAbort();
    summary.files = files.length;

    const known = db.fileStates();
    const knownSkipped = db.skippedStates();
    const todo: FoundFile[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      seen.add(file.path);
      const state = known.get(file.path) ?? knownSkipped.get(file.path);
      const forced = this.forced.delete(file.path);
      if (state && !forced && state.sizeBytes === file.sizeBytes && state.mtimeMs === file.mtimeMs) {
        summary.unchanged++;
        if (knownSkipped.has(file.path)) summary.skipped++;
      } else {
        todo.push(file);
      }
    }

    // Forget files that are gone, unless they sit in a folder that could not be read this time.
    const inFolder = (path: string) => this.folderList.some((f) => path.startsWith(f + sep));
    const inUnreadable = (path: string) => unreadable.some((d) => path === d || path.startsWith(d + sep));
    for (const path of new Set([...known.keys(), ...knownSkipped.keys()])) {
      if (seen.has(path) || (inFolder(path) && inUnreadable(path))) continue;
      this.removed(db.removeFile(path), summary);
    }

    let done = summary.unchanged;
    const total = files.length;
    this.safeDispatchEvent('scan:progress', { detail: { done, total, currentPath: '' } });

    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        checkAbort();
        const file = todo[next++]!;
        await this.scanFile(file, summary, signal);
        this.safeDispatchEvent('scan:progress', { detail: { done: ++done, total, currentPath: file.path } });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, todo.length) }, worker));
    checkAbort();

    summary.durationMs = performance.now() - started;
    this.safeDispatchEvent('scan:done', { detail: summary });
    return summary;
  }

  private async scanFile(
    file: FoundFile,
    summary: ScanSummary,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { db } = this.components;
    const skip = (reason: string) => {
      summary.skipped++;
      this.removed(db.recordSkipped(file.path, file.sizeBytes, file.mtimeMs, reason), summary);
    };
    const meta = await readAudioMeta(file.path, file.sizeBytes);
    if (!meta.ok) return skip(meta.error);
    let hashed: Hashed;
    try {
      hashed = await hashFile(file.path, { readSizeBytes: this.readSizeBytes, signal });
    } catch (error) {
      if (signal?.aborted) throw new ScanAbortedError();
      return skip(`unreadable: ${errorText(error)}`);
    }
    summary.scanned++;
    summary.bytesRead += hashed.bytesRead;
    if (hashed.bytesRead !== file.sizeBytes) {
      // Changed while being read: leave it unrecorded; the watcher (or the next scan) sees it again.
      this.components.log?.(`library: ${file.path} changed while being read`);
      return;
    }
    const track = this.trackRecord(hashed, meta.value, file.sizeBytes);
    const update = db.recordFile(
      file,
      track,
      hashed.chunks,
      meta.value.cover && track.coverHash
        ? { hash: track.coverHash, mime: meta.value.cover.mime, bytes: meta.value.cover.bytes }
        : undefined,
    );
    this.removed(update.trackRemoved, summary);
    if (update.trackAdded) {
      summary.tracksAdded++;
      this.safeDispatchEvent('track:added', { detail: toTrackInfo(track) });
    }
  }

  private trackRecord(hashed: Hashed, meta: AudioMeta, sizeBytes: number): TrackRecord {
    return {
      id: hashed.trackId,
      title: meta.title,
      artist: meta.artist,
      album: meta.album,
      trackNo: meta.trackNo,
      durationSec: meta.durationSec,
      codec: meta.codec,
      container: meta.container,
      sizeBytes,
      hasCover: meta.cover !== null,
      coverHash: meta.cover ? sha256Hex(meta.cover.bytes) : null,
      coverMime: meta.cover?.mime ?? null,
      chunkCount: hashed.chunks.length,
    };
  }

  private removed(trackId: string | null, summary: ScanSummary): void {
    if (trackId === null) return;
    summary.tracksRemoved++;
    this.safeDispatchEvent('track:removed', { detail: { trackId } });
  }

  /** Lists audio files under every folder with one stat each; unreadable folders are reported, not fatal. */
  private async walk(signal: AbortSignal | undefined): Promise<{
    files: FoundFile[];
    unreadable: string[];
    folderProblems: SkippedFile[];
  }> {
    const paths: string[] = [];
    const unreadable: string[] = [];
    const folderProblems: SkippedFile[] = [];
    const visited = new Set<string>();
    for (const folder of this.folderList) {
      const stack = [folder];
      while (stack.length > 0) {
        if (signal?.aborted) throw new ScanAbortedError();
        const dir = stack.pop()!;
        if (visited.has(dir)) continue;
        visited.add(dir);
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          unreadable.push(dir);
          folderProblems.push({ path: dir, reason: `folder unreadable: ${errorText(error)}` });
          continue;
        }
        for (const entry of entries) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) stack.push(path);
          else if (
            (entry.isFile() || entry.isSymbolicLink()) &&
            AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())
          ) {
            paths.push(path);
          }
        }
      }
    }

    const files: FoundFile[] = [];
    let next = 0;
    const statWorker = async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        try {
          const info = await stat(path);
          if (info.isFile()) files.push({ path, sizeBytes: info.size, mtimeMs: info.mtimeMs });
        } catch {
          // Vanished between listing and stat (or a dangling link): not a library file.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, paths.length) }, statWorker));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files, unreadable, folderProblems };
  }
}
