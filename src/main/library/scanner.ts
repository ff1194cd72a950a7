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
import { resolve, sep } from 'node:path';
import { TypedEventTarget } from '../../shared/events';
import type { ScanProgress, ScanSummary, SkippedFile, TrackInfo } from '../../shared/library/types';
import type { LibraryDb } from './db';
import { walkFolders, type FoundFile } from './folder-walk';
import { ScanBatch, type SettledFile } from './scan-batch';
import { errorText } from './scan-file';
import { ScanLanes, passQueue, type ScanLanesInit, type ScanWork } from './scan-lanes';
import { forgetFile, recordAnalysis, type TrackChange } from './scan-record';
import type { StorageHealth } from './storage-health';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

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

/** Options; defaults are written once here and, for how files are analysed, in `ScanLanes`. */
export interface LibraryScannerInit extends ScanLanesInit {
  /** Library folders (absolute or relative to the working directory). */
  folders: readonly string[];
  /** Watch the folders and rescan on change (default true). */
  watch?: boolean;
  /** Quiet time after the last change before rescanning (default 500 ms). */
  debounceMs?: number;
}

/** Thrown by `scan` when the scanner was stopped or the caller's signal fired. */
export class ScanAbortedError extends Error {
  override readonly name = 'ScanAbortedError';
  constructor() {
    super('scan aborted');
  }
}

/** Scans library folders into the index and keeps it current. */
export class LibraryScanner extends TypedEventTarget<LibraryScannerEvents> {
  private readonly components: LibraryScannerComponents;
  private folderList: string[];
  private readonly watchEnabled: boolean;
  private readonly debounceMs: number;
  private readonly lanes: ScanLanes;
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
    this.lanes = new ScanLanes(log, init);
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

    const walked = await walkFolders(this.folderList, checkAbort);
    const { files, unreadable } = walked;
    this.folderProblems = walked.folderProblems;
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
      for (const change of forgetFile(db, path, summary)) this.announce(change);
    }

    let done = summary.unchanged;
    const total = files.length;
    this.emit('scan:progress', { done, total, currentPath: '' });

    // Events follow the commit of their batch.
    const batch = new ScanBatch((settled: SettledFile[]) => {
      const changes: TrackChange[] = [];
      db.db.transaction(() => {
        for (const { file, analysis } of settled)
          changes.push(...recordAnalysis(db, file, analysis, summary, this.#log));
      })();
      for (const change of changes) this.announce(change);
      for (const { file } of settled)
        this.emit('scan:progress', { done: ++done, total, currentPath: file.path });
    });
    const check = () => {
      checkAbort();
      batch.check();
    };
    const workers = this.lanes.startWorkers(todo.length);
    let work: ScanWork;
    try {
      work = await this.lanes.run(workers, {
        ...passQueue(todo, check, () => batch.over),
        settle: (file, analysis) => batch.settle(file, analysis),
        checkAbort,
        isOver: () => batch.over,
        signal,
      });
      check();
      batch.flush();
    } finally {
      batch.end();
      await Promise.all(workers.map((w) => w.close()));
    }

    this.work = work;
    summary.durationMs = performance.now() - started;
    this.emit('scan:done', summary);
    return summary;
  }

  private announce(change: TrackChange): void {
    if (change.kind === 'added') this.emit('track:added', change.track);
    else this.emit('track:removed', { trackId: change.trackId });
  }
}
