/**
 * Rate limit for log lines of one kind (#24). A fault that repeats (a full disk, a peer that keeps
 * failing) writes the same line many times a second; the log keeps only its last hundred lines,
 * so one fault would push everything else out. Lines of one kind (the line with its numbers, ids
 * and quoted parts masked) are let through `perKind` times per `windowMs`; the rest are counted,
 * and the next line of that kind after the window says how many were left out.
 */

/** Options of LogLimiter; every field has a default. */
export interface LogLimiterInit {
  /** Lines of one kind let through per window (default 5). */
  perKind?: number;
  windowMs?: number;
  /** Kinds remembered at most (default 256, least recently seen out first). */
  maxKinds?: number;
  now?: () => number;
}

interface KindState {
  windowStartMs: number;
  count: number;
  suppressed: number;
}

/** Masks what varies between lines of one kind: hex ids, peer ids, numbers, quoted text. */
export function logKindOf(line: string): string {
  return line
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b12D3KooW[1-9A-HJ-NP-Za-km-z]+\b/g, '<peer>')
    .replace(/\b[0-9a-f]{8,}\b/g, '<id>')
    .replace(/\d+(\.\d+)?/g, '#')
    .slice(0, 120);
}

/** Decides which log lines are written. */
export class LogLimiter {
  readonly #perKind: number;
  readonly #windowMs: number;
  readonly #maxKinds: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, KindState>();
  #suppressed = 0;

  constructor(init: LogLimiterInit = {}) {
    this.#perKind = Math.max(1, init.perKind ?? 5);
    this.#windowMs = init.windowMs ?? 10_000;
    this.#maxKinds = init.maxKinds ?? 256;
    this.#now = init.now ?? (() => performance.now());
  }

  /** The lines to write for `line`: itself, preceded by a count of lines left out, or nothing. */
  admit(line: string): string[] {
    const kind = logKindOf(line);
    const now = this.#now();
    let state = this.#kinds.get(kind);
    if (state) this.#kinds.delete(kind);
    else state = { windowStartMs: now, count: 0, suppressed: 0 };
    this.#kinds.set(kind, state);
    while (this.#kinds.size > this.#maxKinds) {
      const oldest = this.#kinds.keys().next().value;
      if (oldest === undefined) break;
      this.#kinds.delete(oldest);
    }
    const out: string[] = [];
    if (now - state.windowStartMs >= this.#windowMs) {
      if (state.suppressed > 0)
        out.push(`(${state.suppressed} more lines like the next were left out of the log)`);
      state.windowStartMs = now;
      state.count = 0;
      state.suppressed = 0;
    }
    if (state.count < this.#perKind) {
      state.count++;
      out.push(line);
    } else {
      state.suppressed++;
      this.#suppressed++;
    }
    return out;
  }

  /** Lines left out since construction. */
  get suppressed(): number {
    return this.#suppressed;
  }
}
