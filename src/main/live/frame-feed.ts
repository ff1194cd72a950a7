/**
 * Fan-out of one live stream's frames to its listeners (libp2p streams to members, HTTP responses to
 * windows). Each listener has a bounded queue: one that falls `maxQueuedFrames` behind (a stalled
 * window, a member on a bad link) is cut off and counted, so it never holds memory or the others up.
 */

interface Listener {
  queue: Uint8Array[];
  wake: (() => void) | null;
  done: boolean;
  overflowed: boolean;
  onCutOff: (() => void) | undefined;
}

/** Thrown out of a listener's iteration when it fell too far behind. */
export class ListenerTooSlowError extends Error {
  override readonly name = 'ListenerTooSlowError';
}

/** One stream's frames, delivered to any number of listeners. */
export class FrameFeed {
  readonly #listeners = new Set<Listener>();
  readonly #maxQueuedFrames: number;
  /** Listeners cut off for falling behind. */
  slowListenersDropped = 0;

  /** `maxQueuedFrames`: 150 frames of 20 ms is 3 s. */
  constructor(maxQueuedFrames = 150) {
    this.#maxQueuedFrames = maxQueuedFrames;
  }

  /** Listeners now. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Delivers a frame to every listener. */
  publish(frame: Uint8Array): void {
    for (const l of this.#listeners) {
      if (l.done) continue;
      if (l.queue.length >= this.#maxQueuedFrames) {
        l.overflowed = true;
        l.done = true;
        this.slowListenersDropped++;
        l.onCutOff?.();
      } else {
        l.queue.push(frame);
      }
      l.wake?.();
    }
  }

  /** Ends every listener's iteration after the frames it has queued. */
  end(): void {
    for (const l of this.#listeners) {
      l.done = true;
      l.wake?.();
    }
  }

  /**
   * The frames published from now on, until `end()`, the signal, or the listener falling behind
   * (then it throws `ListenerTooSlowError`). `onEmpty` runs when the last listener leaves;
   * `onCutOff` when this one falls behind, at once: its consumer may be stuck in a write that waits
   * for the slow reader, which it should abandon.
   */
  async *listen(
    signal: AbortSignal,
    onEmpty?: () => void,
    onCutOff?: () => void,
  ): AsyncGenerator<Uint8Array> {
    const l: Listener = { queue: [], wake: null, done: false, overflowed: false, onCutOff };
    this.#listeners.add(l);
    const onAbort = () => {
      l.done = true;
      l.wake?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const frame = l.queue.shift();
        if (frame) {
          yield frame;
          continue;
        }
        if (l.overflowed) throw new ListenerTooSlowError('listener fell too far behind the live stream');
        if (l.done || signal.aborted) return;
        await new Promise<void>((resolve) => (l.wake = resolve));
        l.wake = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#listeners.delete(l);
      if (this.#listeners.size === 0) onEmpty?.();
    }
  }
}
