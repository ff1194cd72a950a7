/**
 * How long to wait before asking again for bytes that could not be read (no answer, 404 while the
 * peer looks for a holder, 5xx): doubling waits from `firstMs` up to `maxMs`, `tries` times in all
 * (by default 250 ms … 4 s, 10 tries, about 30 s), then the failure stands.
 */
export interface BackoffInit {
  tries?: number;
  firstMs?: number;
  maxMs?: number;
}

/** Counts the tries of one thing; `reset` once it worked. */
export class Backoff {
  private readonly tries: number;
  private readonly firstMs: number;
  private readonly maxMs: number;
  private used = 0;

  constructor(init: BackoffInit = {}) {
    this.tries = init.tries ?? 10;
    this.firstMs = init.firstMs ?? 250;
    this.maxMs = init.maxMs ?? 4000;
  }

  /** The wait before the next try (ms), or null when every try is spent. */
  next(): number | null {
    if (this.used >= this.tries) return null;
    const wait = Math.min(this.maxMs, this.firstMs * 2 ** this.used);
    this.used++;
    return wait;
  }

  /** Tries made since the last reset. */
  get count(): number {
    return this.used;
  }

  reset(): void {
    this.used = 0;
  }
}
