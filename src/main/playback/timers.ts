/**
 * Where the playback coordinator's timers come from (tests pass a fake clock), and the set of
 * timers one running coordinator has scheduled, so that `stop()` cancels them all at once.
 */

/** Cancels a scheduled callback; calling it twice is harmless. */
export type CancelTimer = () => void;

/** Where the coordinator's timers come from; tests pass a fake clock. */
export interface PlaybackTimers {
  setTimeout(callback: () => void, delayMs: number): CancelTimer;
}

/** Timers of the Node event loop. */
export const systemTimers: PlaybackTimers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};

/** The timers scheduled and not yet run or cancelled; `cancelAll()` cancels every one. */
export class TimerSet {
  readonly #timers: PlaybackTimers;
  readonly #cancels = new Set<CancelTimer>();

  constructor(timers: PlaybackTimers) {
    this.#timers = timers;
  }

  /** Runs `callback` after `delayMs` unless cancelled first. */
  schedule(callback: () => void, delayMs: number): CancelTimer {
    let done = false;
    const cancelTimer = this.#timers.setTimeout(() => {
      if (done) return;
      done = true;
      this.#cancels.delete(cancel);
      callback();
    }, delayMs);
    const cancel: CancelTimer = () => {
      if (done) return;
      done = true;
      this.#cancels.delete(cancel);
      cancelTimer();
    };
    this.#cancels.add(cancel);
    return cancel;
  }

  /** Cancels every timer still scheduled. */
  cancelAll(): void {
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
  }
}
