import type { DecodeResult, IgnoreReason, InvalidReason } from './codec';
import type { ControlMessage } from './messages';

/**
 * Categories of peer input that was dropped. The codec produces the first six; `staleEpoch` and
 * `afterLeave` come from the room reducer; `duplicate` and `replay` are for services that check
 * sequence numbers.
 */
export type DropReason = InvalidReason | IgnoreReason | 'staleEpoch' | 'afterLeave' | 'duplicate' | 'replay';

/** Counts dropped peer input by category, for `/api/status` and `debug`. */
export class DropCounter {
  private readonly counts = new Map<string, number>();

  /** Adds `n` drops of one category (a `DropReason`, or another service's own category). */
  count(reason: DropReason | string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  /** Counts a decode result that was not ok and passes an ok one through. */
  accept(result: DecodeResult): ControlMessage | null {
    if (result.ok) return result.value;
    this.count(result.reason);
    return null;
  }

  /** How many drops of one category so far. */
  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Total drops of every category. */
  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** A copy of the counts, keyed by category. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
