/**
 * A scan pass's results waiting to be written: a commit per file costs more than its rows, so
 * results are written in batches of 64 files or after 200 ms, whichever comes first. A write that
 * fails ends the pass (the next `take` rethrows it); once the pass is over nothing more is written.
 */
import type { FoundFile } from './folder-walk';
import type { FileAnalysis } from './scan-file';

/** A batch is written when it has this many files or is this old, whichever comes first. */
const FLUSH_FILES = 64;
const FLUSH_DELAY_MS = 200;

/** One analysed file, waiting to be written. */
export interface SettledFile {
  file: FoundFile;
  analysis: FileAnalysis;
}

/** The results of one pass not yet written, and the writer they go to. */
export class ScanBatch {
  readonly #write: (settled: SettledFile[]) => void;
  #batch: SettledFile[] = [];
  #over = false;
  #error: unknown = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** `write` commits a batch (one transaction) and announces it. */
  constructor(write: (settled: SettledFile[]) => void) {
    this.#write = write;
  }

  /** Whether the pass is over (results that arrive now are dropped). */
  get over(): boolean {
    return this.#over;
  }

  /** Adds one file's result; writes the batch when it is full. */
  settle(file: FoundFile, analysis: FileAnalysis): void {
    if (this.#over) return;
    this.#batch.push({ file, analysis });
    if (this.#batch.length >= FLUSH_FILES) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#flushSoon();
    } else {
      this.#timer ??= setTimeout(() => this.#flushSoon(), FLUSH_DELAY_MS);
    }
  }

  /** Rethrows the first failed background write. */
  check(): void {
    if (this.#error !== null) throw this.#error;
  }

  /** Writes what waits now; throws if the write fails. */
  flush(): void {
    if (this.#batch.length === 0 || this.#over) return;
    const settled = this.#batch;
    this.#batch = [];
    this.#write(settled);
  }

  /** Ends the pass: nothing more is written. */
  end(): void {
    this.#over = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #flushSoon(): void {
    this.#timer = null;
    try {
      this.flush();
    } catch (error) {
      this.#error ??= error;
    }
  }
}
