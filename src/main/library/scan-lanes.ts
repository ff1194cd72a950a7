/**
 * Who analyses a pass's files: worker threads for big passes (one per core, several requests in
 * flight each), and the main thread while they start, for small passes, or when workers cannot
 * run (said once in the log; later passes then stay in-thread). A worker that dies mid-pass hands
 * its lane to the main thread.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from '../../shared/logger';
import type { FoundFile } from './folder-walk';
import { analyzeFile, errorText, ScratchBuffer, type FileAnalysis } from './scan-file';
import { ScanWorker } from './scan-worker-pool';

/** How a pass split its files between worker threads and the main thread. */
export interface ScanWork {
  filesInWorkers: number;
  filesInThread: number;
}

/** How files are analysed (options of the scanner); defaults are written once in `ScanLanes`. */
export interface ScanLanesInit {
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

/** One pass's files as its lanes take them. */
export interface PassFiles {
  /** The next file to analyse; undefined when none is left or the pass is over. Throws to end the pass. */
  take(): FoundFile | undefined;
  /** Resolves (false) once every file was taken. */
  allTaken: Promise<false>;
  count: number;
  /** Takes one file's result. */
  settle(file: FoundFile, analysis: FileAnalysis): void;
  /** Throws when the pass was aborted. */
  checkAbort(): void;
  /** Whether the pass is over (a lane stops). */
  isOver(): boolean;
  signal: AbortSignal | undefined;
}

/** Files bigger than this are streamed on the main thread, so it never blocks long on one file. */
const IN_THREAD_WHOLE_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** Workers may read bigger files whole (blocking a worker costs only its own time); bounded for memory. */
const WORKER_WHOLE_FILE_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Requests in flight per worker: enough that a worker's queue does not run dry while the main thread
 * commits a batch, few enough to share work evenly.
 */
const LANES_PER_WORKER = 4;

/** Takes `files` in order; `check` throws to end the pass, `isOver` says it ended. */
export function passQueue(
  files: readonly FoundFile[],
  check: () => void,
  isOver: () => boolean,
): Pick<PassFiles, 'take' | 'allTaken' | 'count'> {
  let next = 0;
  let exhausted: () => void = () => undefined;
  const allTaken = new Promise<false>((resolveTaken) => (exhausted = () => resolveTaken(false)));
  const take = (): FoundFile | undefined => {
    check();
    if (isOver()) return undefined;
    const file = files[next];
    if (file) next++;
    else exhausted();
    return file;
  };
  return { take, allTaken, count: files.length };
}

/** The scanner's analysers: worker threads when a pass is big enough, else the main thread. */
export class ScanLanes {
  readonly #log: Logger;
  readonly #concurrency: number;
  readonly #readSizeBytes: number;
  readonly #workerCount: number;
  readonly #workerMinFiles: number;
  readonly #inThreadWhileWorkersStart: boolean;
  readonly #workerUrl: URL | undefined;
  /** Set when workers failed to start: later passes stay in-thread. */
  #workersBroken = false;

  constructor(log: Logger, init: ScanLanesInit) {
    this.#log = log;
    this.#concurrency = Math.max(1, init.concurrency ?? 4);
    this.#readSizeBytes = init.readSizeBytes ?? 1024 * 1024;
    this.#workerCount = Math.max(0, init.workers ?? availableParallelism());
    this.#workerMinFiles = Math.max(1, init.workerMinFiles ?? 32);
    this.#inThreadWhileWorkersStart = init.inThreadWhileWorkersStart ?? true;
    this.#workerUrl = init.workerUrl;
  }

  /** Workers for a pass with `filesToRead` files, or none when the pass is small or workers cannot run. */
  startWorkers(filesToRead: number): ScanWorker[] {
    if (this.#workerCount === 0 || this.#workersBroken || filesToRead < this.#workerMinFiles) return [];
    const count = Math.min(this.#workerCount, Math.ceil(filesToRead / LANES_PER_WORKER));
    return Array.from(
      { length: count },
      () => new ScanWorker({ wholeFileMaxBytes: WORKER_WHOLE_FILE_MAX_BYTES, url: this.#workerUrl }),
    );
  }

  /** Analyses every file of the pass on `workers` (none: in-thread); the caller closes the workers. */
  async run(workers: ScanWorker[], pass: PassFiles): Promise<ScanWork> {
    const { take, settle, checkAbort } = pass;
    const work: ScanWork = { filesInWorkers: 0, filesInThread: 0 };
    const inThreadOptions = {
      wholeFileMaxBytes: IN_THREAD_WHOLE_FILE_MAX_BYTES,
      readSizeBytes: this.#readSizeBytes,
      signal: pass.signal,
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

    let readyWorkers = 0;
    const workerLane = async (worker: ScanWorker) => {
      if (!(await Promise.race([worker.ready, pass.allTaken]))) return;
      for (let file = take(); file; file = take()) {
        let analysis: FileAnalysis;
        try {
          analysis = await worker.analyze(file);
        } catch (error) {
          checkAbort();
          if (pass.isOver()) return;
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

    const lanes: Promise<void>[] = [];
    if (workers.length === 0) {
      for (let i = 0; i < Math.min(this.#concurrency, pass.count); i++) lanes.push(inThreadLane(() => false));
    } else {
      for (const worker of workers) {
        void worker.ready.then((ok) => {
          if (ok) readyWorkers++;
        });
        for (let i = 0; i < LANES_PER_WORKER; i++) lanes.push(workerLane(worker));
      }
      // If every worker fails to start, the in-thread lane does the whole pass.
      const startFailed = Promise.all(workers.map((w) => w.ready)).then((oks) => {
        this.#workersStarted(oks, workers);
        return !oks.some((ok) => ok);
      });
      if (this.#inThreadWhileWorkersStart) lanes.push(inThreadLane(() => readyWorkers > 0));
      else lanes.push(startFailed.then((failed) => (failed ? inThreadLane(() => false) : undefined)));
    }
    await Promise.all(lanes);
    return work;
  }

  #workersStarted(oks: boolean[], workers: ScanWorker[]): void {
    if (oks.some((ok) => ok)) return;
    const reason = workers[0]?.lost ?? 'unknown';
    if (reason === 'closed') return;
    this.#workersBroken = true;
    this.#log(`scan workers cannot start (${reason}); scanning in-thread from now on`);
  }
}
