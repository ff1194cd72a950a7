/**
 * Storage errors as a state, not a loop (#24). When the data folder's disk is full, failing or
 * read-only, every write fails the same way: retrying at once only burns CPU on both ends of a
 * download (77–94% of a core each, measured) and fills the log with one line. Instead the first
 * failure puts storage in a named state that status, the UI and the REPL show ("disk full: 12 MB
 * needed"), writers stop writing, and this service checks the disk with exponential backoff
 * (free space by statfs, then a real probe write) and returns to `ok` by itself once a write can
 * succeed, telling the writers to carry on.
 */
import { randomBytes } from 'node:crypto';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageInfo } from '../../shared/status';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** What is wrong with the data folder's storage. */
export type StorageProblem = NonNullable<StorageInfo['problem']>;

/** Storage as status shows it. */
export type StorageState = StorageInfo;

/** Events of StorageHealth. */
export interface StorageHealthEvents extends Record<string, unknown> {
  'storage:changed': StorageState;
}

const PROBLEM_CODES: Record<string, StorageProblem> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  SQLITE_FULL: 'full',
  EIO: 'io-error',
  SQLITE_IOERR: 'io-error',
  EROFS: 'read-only',
  SQLITE_READONLY: 'read-only',
};

/** The storage problem an error stands for, or null for any other error. */
export function storageProblemOf(error: unknown): { problem: StorageProblem; code: string } | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  // SQLite's extended codes (SQLITE_IOERR_WRITE…) share their base code's meaning.
  const base = Object.keys(PROBLEM_CODES).find((c) => code === c || code.startsWith(`${c}_`));
  return base ? { problem: PROBLEM_CODES[base]!, code } : null;
}

const mb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1e6));

/** The problem in words. */
export function describeStorage(problem: StorageProblem, code: string, neededBytes: number): string {
  if (problem === 'full') return `disk full: ${mb(neededBytes)} MB needed`;
  if (problem === 'read-only') return `data folder is read-only (${code})`;
  return `disk error on the data folder (${code})`;
}

/** Raised to a caller that cannot wait for storage to come back (a media request). */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(readonly state: StorageState) {
    super(state.message ?? 'storage is not writable');
  }
}

/** Collaborators of StorageHealth. */
export interface StorageHealthComponents {
  /** The data folder: its file system is checked and probed. */
  dir: string;
  /** Bytes the writers still need (the remaining size of the downloads). */
  neededBytes?: () => number;
  logger?: ComponentLogger;
}

/** Options of StorageHealth; every field has a default. */
export interface StorageHealthInit {
  /** First check after a failure; doubles after each failed check up to `maxBackoffMs`. */
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** Free space asked for beyond the bytes needed before a probe write is tried (default 1 MiB). */
  marginBytes?: number;
}

/** Tracks whether the data folder can be written, and finds out by itself when it can again. */
export class StorageHealth extends TypedEventTarget<StorageHealthEvents> {
  readonly #c: StorageHealthComponents;
  readonly #firstBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #marginBytes: number;
  #controller: AbortController | null = null;
  #problem: { problem: StorageProblem; code: string } | null = null;
  #failures = 0;
  #freeBytes: number | null = null;
  #backoffMs: number;
  #timer: NodeJS.Timeout | null = null;
  #checkDueAtMs: number | null = null;

  readonly #log: Logger;

  constructor(components: StorageHealthComponents, init: StorageHealthInit = {}) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:storage');
    super(log);
    this.#c = components;
    this.#log = log;
    this.#firstBackoffMs = init.firstBackoffMs ?? 1000;
    this.#maxBackoffMs = init.maxBackoffMs ?? 60_000;
    this.#marginBytes = init.marginBytes ?? 1024 * 1024;
    this.#backoffMs = this.#firstBackoffMs;
  }

  /** Starts watching (checks are scheduled only while there is a problem). Idempotent. */
  start(): void {
    this.#controller ??= new AbortController();
  }

  /** Stops any pending check. Idempotent. */
  stop(): void {
    this.#controller?.abort();
    this.#controller = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Whether writes are expected to succeed. */
  get writable(): boolean {
    return this.#problem === null;
  }

  /** The current state, for status. */
  state(): StorageState {
    const problem = this.#problem;
    const neededBytes = problem ? (this.#c.neededBytes?.() ?? 0) : 0;
    return {
      problem: problem?.problem ?? null,
      code: problem?.code ?? null,
      neededBytes,
      freeBytes: this.#freeBytes,
      message: problem ? describeStorage(problem.problem, problem.code, neededBytes) : null,
      failures: this.#failures,
      nextCheckInMs:
        problem && this.#checkDueAtMs !== null ? Math.max(0, this.#checkDueAtMs - performance.now()) : null,
    };
  }

  /**
   * Tells the service a write failed. Returns true when the error is a storage problem (the
   * caller should stop writing until `storage:changed` says writable), false for other errors.
   */
  report(error: unknown): boolean {
    const found = storageProblemOf(error);
    if (!found) return false;
    this.#failures++;
    if (this.#problem) return true;
    this.#problem = found;
    this.#backoffMs = this.#firstBackoffMs;
    this.#log(`${this.state().message}; writes paused until it clears`);
    this.#schedule();
    this.emit('storage:changed', this.state());
    return true;
  }

  /** Checks the disk now instead of at the next backoff step (tests, or a user who freed space). */
  async checkNow(): Promise<boolean> {
    if (!this.#problem) return true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#check();
    return this.writable;
  }

  #schedule(): void {
    if (!this.#controller || this.#timer) return;
    this.#checkDueAtMs = performance.now() + this.#backoffMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#check();
    }, this.#backoffMs);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    if (!this.#problem) return;
    const needed = this.#c.neededBytes?.() ?? 0;
    let cleared = false;
    try {
      const fs = await statfs(this.#c.dir);
      this.#freeBytes = fs.bavail * fs.bsize;
      // Free space alone does not show an I/O error or a read-only mount gone; a real write does.
      if (
        this.#problem.problem !== 'full' ||
        this.#freeBytes >= Math.min(needed, 64 * 1024 * 1024) + this.#marginBytes
      ) {
        const probe = join(this.#c.dir, `.storage-probe-${randomBytes(4).toString('hex')}`);
        try {
          await writeFile(probe, new Uint8Array(64 * 1024));
          cleared = true;
        } finally {
          await unlink(probe).catch(() => undefined);
        }
      }
    } catch (error) {
      const found = storageProblemOf(error);
      if (found) this.#problem = found;
    }
    if (cleared) {
      const was = this.state().message;
      this.#problem = null;
      this.#failures = 0;
      this.#checkDueAtMs = null;
      this.#backoffMs = this.#firstBackoffMs;
      this.#log(`writable again (was ${was}); resuming`);
      this.emit('storage:changed', this.state());
      return;
    }
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#maxBackoffMs);
    this.#schedule();
    this.emit('storage:changed', this.state());
  }
}
