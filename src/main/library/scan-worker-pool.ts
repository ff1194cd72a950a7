/**
 * Main-thread side of the scan workers: starts a worker thread, sends it files and matches its
 * answers to requests. The worker file is found next to this module: `scan-worker.ts` when running
 * from source (tsx, vitest: the worker loads tsx too), `scan-worker.js` in the built bundle
 * (electron-vite builds it as its own entry into out/main).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FileAnalysis } from './scan-file';

/** Sent to a worker: one file to analyse. */
export interface ScanWorkerRequest {
  id: number;
  path: string;
  sizeBytes: number;
}

/** Sent by a worker: once `ready`, then one answer per request. */
export type ScanWorkerReply =
  { ready: true } | { id: number; analysis: FileAnalysis } | { id: number; error: string };

/** The worker's start-up options. */
export interface ScanWorkerData {
  wholeFileMaxBytes: number | undefined;
}

/** The worker stopped (crashed, failed to start or was closed) before answering. */
export class ScanWorkerLostError extends Error {
  override readonly name = 'ScanWorkerLostError';
  constructor(reason: string) {
    super(`scan worker lost: ${reason}`);
  }
}

/** Where the worker's code is, relative to this module (source or bundle). */
export const scanWorkerUrl = (): URL => {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL('scan-worker.ts', here);
  // Bundled shared code may sit in a subfolder of out/main; the worker entry sits in out/main itself.
  const candidates = ['./scan-worker.js', '../scan-worker.js'].map((name) => new URL(name, here));
  return candidates.find((url) => existsSync(fileURLToPath(url))) ?? candidates[0]!;
};

interface Pending {
  resolve: (analysis: FileAnalysis) => void;
  reject: (error: Error) => void;
}

/** One scan worker thread. */
export class ScanWorker {
  /** True once the worker runs; false if it failed to start (or was closed first). Never rejects. */
  readonly ready: Promise<boolean>;
  private readonly worker: Worker | null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private lostReason: string | null = null;
  private settleReady: (ok: boolean) => void = () => undefined;

  constructor(init: { wholeFileMaxBytes?: number; startTimeoutMs?: number; url?: URL } = {}) {
    this.ready = new Promise<boolean>((resolve) => (this.settleReady = resolve));
    const url = init.url ?? scanWorkerUrl();
    // A bundled worker needs no loader and must not inherit one: under tsx the parent's flags would load tsx
    // into it (a quarter of a second of a core per worker at every scan).
    const execArgv = url.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
    let worker: Worker | null = null;
    try {
      const workerData: ScanWorkerData = { wholeFileMaxBytes: init.wholeFileMaxBytes };
      worker = new Worker(url, { execArgv, workerData });
    } catch (error) {
      this.lose(error instanceof Error ? error.message : String(error));
    }
    this.worker = worker;
    if (!worker) return;
    const timer = setTimeout(() => {
      this.lose(`not started within ${init.startTimeoutMs ?? 30_000} ms`);
      void worker.terminate();
    }, init.startTimeoutMs ?? 30_000);
    timer.unref();
    void this.ready.then(() => clearTimeout(timer));
    worker.on('message', (reply: ScanWorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.lose(error.message));
    worker.on('exit', (code) => this.lose(`exited with code ${code}`));
  }

  /** Why the worker is gone, or null while it runs. */
  get lost(): string | null {
    return this.lostReason;
  }

  /** Analyses one file in the worker; rejects with ScanWorkerLostError if the worker goes away first. */
  analyze(file: { path: string; sizeBytes: number }): Promise<FileAnalysis> {
    if (this.lostReason !== null || !this.worker) {
      return Promise.reject(new ScanWorkerLostError(this.lostReason ?? 'not started'));
    }
    const id = this.nextId++;
    const request: ScanWorkerRequest = { id, path: file.path, sizeBytes: file.sizeBytes };
    return new Promise<FileAnalysis>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage(request);
    });
  }

  /** Stops the worker; pending requests reject. */
  async close(): Promise<void> {
    this.lose('closed');
    await this.worker?.terminate();
  }

  private onReply(reply: ScanWorkerReply): void {
    if ('ready' in reply) {
      this.settleReady(true);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if ('analysis' in reply) pending.resolve(reply.analysis);
    else pending.reject(new Error(reply.error));
  }

  private lose(reason: string): void {
    if (this.lostReason !== null) return;
    this.lostReason = reason;
    this.settleReady(false);
    const error = new ScanWorkerLostError(reason);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
