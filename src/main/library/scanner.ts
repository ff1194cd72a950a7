/**
 * The library scanner: walks the library folders, reads tags and splits each new or changed file
 * into content-defined chunks (one read of the file: tags, chunks and SHA-256 from the same bytes),
 * records it in the index, and watches the folders to rescan when something changes.
 *
 * Big passes (a first scan) run the per-file work on worker threads, one per core; the main thread
 * keeps every database write, batched into one transaction per 64 files or 200 ms. While the
 * workers start, the main thread analyses files itself, so no time is lost waiting for them. If
 * workers cannot run, the in-thread path does everything (said once in the log).
 *
 * Rescans are cheap: one stat per file and one query for everything the index knows; only files
 * whose (size, mtime) changed are read again. Unreadable files are remembered with their reason
 * and (size, mtime), so they are not parsed again until they change, and never stop a scan.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { TypedEventTarget } from '../../shared/events';
import type { ScanProgress, ScanSummary, SkippedFile, TrackInfo } from '../../shared/library/types';
import type { LibraryDb, TrackRecord } from './db';
import { AUDIO_EXTENSIONS } from './metadata';
import { analyzeFile, ScratchBuffer, type FileAnalysis } from './scan-file';
import { ScanWorker } from './scan-worker-pool';
import type { StorageHealth } from './storage-health';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

export { hashFile } from './scan-file';

/** Events of the scanner. */
export interface LibraryScannerEvents {
  'scan:progress': ScanProgress;
  'scan:done': ScanSummary;
  'track:added': TrackInfo;
  'track:removed': { trackId: string };
}

/** What the scanner needs. */
export interface LibraryScannerComponents {
  db: LibraryDb;
  logger?: ComponentLogger;
  /**
   * The data folder's health. A pass whose index writes fail for want of space (or a disk error)
   * sets its state instead of logging a failure, and the scanner scans again once it clears.
   */
  storage?: ScannerStorage;
}

/** The part of StorageHealth the scanner uses. */
export type ScannerStorage = Pick<StorageHealth, 'report' | 'on'>;

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
  /** Size of each read when a file is streamed (default 1 MiB). */
  readSizeBytes?: number;
  /** Worker threads for big passes (default: one per core; 0 = always in-thread). */
  workers?: number;
  /** Passes with fewer files to read than this stay in-thread (default 32). */
  workerMinFiles?: number;
  /**
   * Whether the main thread analyses files while the workers start (default true: no idle cores);
   * false leaves every file of a pooled pass to the workers, keeping the main thread free.
   */
  inThreadWhileWorkersStart?: boolean;
  /** The worker's code (default: found next to this module, see scan-worker-pool.ts). */
  workerUrl?: URL;
}

/** Thrown by `scan` when the scanner was stopped or the caller's signal fired. */
export class ScanAbortedError extends Error {
  override readonly name = 'ScanAbortedError';
  constructor() {
    super('scan aborted');
  }
}

/** How a pass split its files between worker threads and the main thread. */
export interface ScanWork {
  filesInWorkers: number;
  filesInThread: number;
}

interface FoundFile {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** Files bigger than this are streamed on the main thread, so it never blocks long on one file. */
const IN_THREAD_WHOLE_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** Workers may read bigger files whole (blocking a worker costs only its own time); bounded for memory. */
const WORKER_WHOLE_FILE_MAX_BYTES = 64 * 1024 * 1024;
/** A batch of results is written when it has this many files or is this old, whichever comes first. */
const FLUSH_FILES = 64;
const FLUSH_DELAY_MS = 200;
/**
 * Requests in flight per worker: enough that a worker's queue does not run dry while the main thread
 * commits a batch, few enough to share work evenly.
 */
const LANES_PER_WORKER = 4;

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

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Scans library folders into the index and keeps it current. */
export class LibraryScanner extends TypedEventTarget<LibraryScannerEvents> {
  private readonly components: LibraryScannerComponents;
  private folderList: string[];
  private readonly watchEnabled: boolean;
  private readonly debounceMs: number;
  private readonly concurrency: number;
  private readonly readSizeBytes: number;
  private readonly workerCount: number;
  private readonly workerMinFiles: number;
  private readonly inThreadWhileWorkersStart: boolean;
  private readonly workerUrl: URL | undefined;
  /** Set when workers failed to start: later passes stay in-thread. */
  private workersBroken = false;
  private work: ScanWork = { filesInWorkers: 0, filesInThread: 0 };
  private controller: AbortController | null = null;
  private watchers: FSWatcher[] = [];
  private debounceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Serialises passes; a request made while one runs joins the next pass that has not started. */
  private chain: Promise<unknown> = Promise.resolve();
  private nextPass: Promise<ScanSummary> | null = null;
  private folderProblems: SkippedFile[] = [];
  /** Paths to re-read on the next pass even if their size and mtime look unchanged. */
  private readonly forced = new Set<string>();

  readonly #log: Logger;

  constructor(components: LibraryScannerComponents, init: LibraryScannerInit) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:library');
    super(log);
    this.components = components;
    this.#log = log;
    this.folderList = init.folders.map((f) => resolve(f));
    this.watchEnabled = init.watch ?? true;
    this.debounceMs = init.debounceMs ?? 500;
    this.concurrency = Math.max(1, init.concurrency ?? 4);
    this.readSizeBytes = init.readSizeBytes ?? 1024 * 1024;
    this.workerCount = Math.max(0, init.workers ?? availableParallelism());
    this.workerMinFiles = Math.max(1, init.workerMinFiles ?? 32);
    this.inThreadWhileWorkersStart = init.inThreadWhileWorkersStart ?? true;
    this.workerUrl = init.workerUrl;
  }

  /** The library folders, resolved. */
  get folders(): readonly string[] {
    return this.folderList;
  }

  /** Where the files of the last finished pass were analysed. */
  get lastPassWork(): ScanWork {
    return { ...this.work };
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
    this.components.storage?.on(
      'storage:changed',
      (state) => {
        if (state.problem === null) this.scan().catch((error: unknown) => this.logFailure(error));
      },
      { signal: this.controller.signal },
    );
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
        watcher.on('error', (error) => this.#log(`watching ${folder} failed: ${errorText(error)}`));
        this.watchers.push(watcher);
      } catch (error) {
        this.#log(`cannot watch ${folder}: ${errorText(error)}`);
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
    // A full or failing disk is a state with its own line; the pass runs again when it clears.
    if (this.components.storage?.report(error)) return;
    this.#log(`scan failed: ${errorText(error)}`);
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
    // Largest first: the pass then ends on small files, so no core waits for one big file at the end.
    todo.sort((a, b) => b.sizeBytes - a.sizeBytes);

    // Forget files that are gone, unless they sit in a folder that could not be read this time.
    const inFolder = (path: string) => this.folderList.some((f) => path.startsWith(f + sep));
    const inUnreadable = (path: string) => unreadable.some((d) => path === d || path.startsWith(d + sep));
    for (const path of new Set([...known.keys(), ...knownSkipped.keys()])) {
      if (seen.has(path) || (inFolder(path) && inUnreadable(path))) continue;
      this.removed(db.removeFile(path), summary);
    }

    let done = summary.unchanged;
    const total = files.length;
    this.emit('scan:progress', { done, total, currentPath: '' });

    // Results wait here to be written in batches (a commit per file costs more than its rows);
    // events follow the commit.
    let batch: Array<{ file: FoundFile; analysis: FileAnalysis }> = [];
    let passOver = false;
    let flushError: unknown = null;
    const flush = () => {
      if (batch.length === 0 || passOver) return;
      const settled = batch;
      batch = [];
      const events: Array<() => void> = [];
      db.db.transaction(() => {
        for (const { file, analysis } of settled) this.record(file, analysis, summary, events);
      })();
      for (const { file } of settled) {
        events.push(() => this.emit('scan:progress', { done: ++done, total, currentPath: file.path }));
      }
      for (const event of events) event();
    };
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    const flushSoon = () => {
      flushTimer = null;
      try {
        flush();
      } catch (error) {
        flushError ??= error;
      }
    };
    const settle = (file: FoundFile, analysis: FileAnalysis) => {
      if (passOver) return;
      batch.push({ file, analysis });
      if (batch.length >= FLUSH_FILES) {
        if (flushTimer) clearTimeout(flushTimer);
        flushSoon();
      } else {
        flushTimer ??= setTimeout(flushSoon, FLUSH_DELAY_MS);
      }
    };

    const work: ScanWork = { filesInWorkers: 0, filesInThread: 0 };
    let next = 0;
    let exhausted: () => void = () => undefined;
    const allTaken = new Promise<false>((resolveTaken) => (exhausted = () => resolveTaken(false)));
    const take = (): FoundFile | undefined => {
      checkAbort();
      if (flushError !== null) throw flushError;
      if (passOver) return undefined;
      const file = todo[next];
      if (file) next++;
      else exhausted();
      return file;
    };
    const inThreadOptions = {
      wholeFileMaxBytes: IN_THREAD_WHOLE_FILE_MAX_BYTES,
      readSizeBytes: this.readSizeBytes,
      signal,
    };
    const analyzeInThread = async (file: FoundFile, scratch: ScratchBuffer) => {
      try {
        return await analyzeFile(file, { ...inThreadOptions, scratch });
      } catch (error) {
        checkAbort();
        throw error;
      }
    };
    /** Analyses files on this thread until `stop()` says to leave the rest to the workers. */
    const inThreadLane = async (stop: () => boolean) => {
      const scratch = new ScratchBuffer();
      for (let file = stop() ? undefined : take(); file; file = stop() ? undefined : take()) {
        settle(file, await analyzeInThread(file, scratch));
        work.filesInThread++;
      }
    };

    const workers = this.startWorkers(todo.length);
    let readyWorkers = 0;
    const workerLane = async (worker: ScanWorker) => {
      if (!(await Promise.race([worker.ready, allTaken]))) return;
      for (let file = take(); file; file = take()) {
        let analysis: FileAnalysis;
        try {
          analysis = await worker.analyze(file);
        } catch (error) {
          checkAbort();
          if (passOver) return;
          if (worker.lost === null) {
            analysis = { kind: 'skipped', reason: `unreadable: ${errorText(error)}` };
          } else {
            // The worker died (not because of one bad file: those come back as results): carry on here.
            this.#log(`${errorText(error)}; scanning in-thread`);
            settle(file, await analyzeInThread(file, new ScratchBuffer()));
            work.filesInThread++;
            return inThreadLane(() => false);
          }
        }
        settle(file, analysis);
        work.filesInWorkers++;
      }
    };
    try {
      const lanes: Promise<void>[] = [];
      if (workers.length === 0) {
        for (let i = 0; i < Math.min(this.concurrency, todo.length); i++)
          lanes.push(inThreadLane(() => false));
      } else {
        for (const worker of workers) {
          void worker.ready.then((ok) => {
            if (ok) readyWorkers++;
          });
          for (let i = 0; i < LANES_PER_WORKER; i++) lanes.push(workerLane(worker));
        }
        // If every worker fails to start, the in-thread lane does the whole pass.
        const startFailed = Promise.all(workers.map((w) => w.ready)).then((oks) => {
          this.workersStarted(oks, workers);
          return !oks.some((ok) => ok);
        });
        if (this.inThreadWhileWorkersStart) lanes.push(inThreadLane(() => readyWorkers > 0));
        else lanes.push(startFailed.then((failed) => (failed ? inThreadLane(() => false) : undefined)));
      }
      await Promise.all(lanes);
      checkAbort();
      if (flushError !== null) throw flushError;
      flush();
    } finally {
      passOver = true;
      if (flushTimer) clearTimeout(flushTimer);
      await Promise.all(workers.map((w) => w.close()));
    }

    this.work = work;
    summary.durationMs = performance.now() - started;
    this.emit('scan:done', summary);
    return summary;
  }

  /** Workers for a pass with `filesToRead` files, or none when the pass is small or workers cannot run. */
  private startWorkers(filesToRead: number): ScanWorker[] {
    if (this.workerCount === 0 || this.workersBroken || filesToRead < this.workerMinFiles) return [];
    const count = Math.min(this.workerCount, Math.ceil(filesToRead / LANES_PER_WORKER));
    return Array.from(
      { length: count },
      () => new ScanWorker({ wholeFileMaxBytes: WORKER_WHOLE_FILE_MAX_BYTES, url: this.workerUrl }),
    );
  }

  private workersStarted(oks: boolean[], workers: ScanWorker[]): void {
    if (oks.some((ok) => ok)) return;
    const reason = workers[0]?.lost ?? 'unknown';
    if (reason === 'closed') return;
    this.workersBroken = true;
    this.#log(`scan workers cannot start (${reason}); scanning in-thread from now on`);
  }

  /** Records one analysed file in the index; `events` collects what to announce after the commit. */
  private record(
    file: FoundFile,
    analysis: FileAnalysis,
    summary: ScanSummary,
    events: Array<() => void>,
  ): void {
    const { db } = this.components;
    if (analysis.kind === 'skipped') {
      summary.skipped++;
      this.removed(
        db.recordSkipped(file.path, file.sizeBytes, file.mtimeMs, analysis.reason),
        summary,
        events,
      );
      return;
    }
    summary.scanned++;
    summary.bytesRead += analysis.bytesRead;
    if (analysis.kind === 'changed') {
      // Changed while being read: leave it unrecorded; the watcher (or the next scan) sees it again.
      this.#log(`${file.path} changed while being read`);
      return;
    }
    const { meta, coverHash } = analysis;
    const track: TrackRecord = {
      id: analysis.trackId,
      title: meta.title,
      artist: meta.artist,
      album: meta.album,
      trackNo: meta.trackNo,
      durationSec: meta.durationSec,
      codec: meta.codec,
      container: meta.container,
      sizeBytes: file.sizeBytes,
      hasCover: meta.cover !== null,
      coverHash,
      coverMime: meta.cover?.mime ?? null,
      chunkCount: analysis.chunks.length,
    };
    const update = db.recordFile(
      file,
      track,
      analysis.chunks,
      meta.cover && coverHash
        ? { hash: coverHash, mime: meta.cover.mime, bytes: meta.cover.bytes }
        : undefined,
    );
    this.removed(update.trackRemoved, summary, events);
    if (update.trackAdded) {
      summary.tracksAdded++;
      const info = toTrackInfo(track);
      events.push(() => this.emit('track:added', info));
    }
  }

  private removed(trackId: string | null, summary: ScanSummary, events?: Array<() => void>): void {
    if (trackId === null) return;
    summary.tracksRemoved++;
    const announce = () => this.emit('track:removed', { trackId });
    if (events) events.push(announce);
    else announce();
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
