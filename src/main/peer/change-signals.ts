/** Coalesces the many "something changed" calls of a running peer into one status and one library event. */

/** What the signals emit through. */
export interface ChangeSignalsComponents {
  /** Whether the peer runs (nothing is emitted while it does not). */
  running(): boolean;
  /** Emits the peer's status (`status:changed`). */
  emitStatus(): void;
  /** Emits the library's size (`library:changed`). */
  emitLibrary(): void;
}

/** Timings of ChangeSignals. */
export interface ChangeSignalsInit {
  statusDelayMs?: number;
  libraryDelayMs?: number;
}

/** At most one status event per 100 ms and one library event per 250 ms, however many changes. */
export class ChangeSignals {
  #statusQueued = false;
  #libraryQueued = false;
  readonly #statusDelayMs: number;
  readonly #libraryDelayMs: number;

  constructor(
    private readonly components: ChangeSignalsComponents,
    init: ChangeSignalsInit = {},
  ) {
    this.#statusDelayMs = init.statusDelayMs ?? 100;
    this.#libraryDelayMs = init.libraryDelayMs ?? 250;
  }

  /** Something the status shows changed. */
  statusChanged(): void {
    if (this.#statusQueued || !this.components.running()) return;
    this.#statusQueued = true;
    setTimeout(() => {
      this.#statusQueued = false;
      if (this.components.running()) this.components.emitStatus();
    }, this.#statusDelayMs).unref();
  }

  /** The room's tracks changed (this changes the status too). */
  libraryChanged(): void {
    this.statusChanged();
    if (this.#libraryQueued) return;
    this.#libraryQueued = true;
    setTimeout(() => {
      this.#libraryQueued = false;
      if (this.components.running()) this.components.emitLibrary();
    }, this.#libraryDelayMs).unref();
  }
}
