/**
 * The units of one download that are in flight, each with the peer asked for it. It keeps the bytes
 * they hold as a running total, so a paced download asks what it has in flight without summing every
 * unit on each pump (a 3-hour track has thousands of units).
 */
export class InFlightUnits {
  readonly #peerOf = new Map<number, string>();
  readonly #bytesOf: (unit: number) => number;
  #bytes = 0;

  /** `bytesOf` gives a unit's size; it must not change while the unit is in flight. */
  constructor(bytesOf: (unit: number) => number) {
    this.#bytesOf = bytesOf;
  }

  /** Units in flight. */
  get size(): number {
    return this.#peerOf.size;
  }

  /** Bytes of the units in flight. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether `unit` is in flight. */
  has(unit: number): boolean {
    return this.#peerOf.has(unit);
  }

  /** Marks `unit` in flight from `peerId` (a unit already in flight only changes peer). */
  set(unit: number, peerId: string): void {
    if (!this.#peerOf.has(unit)) this.#bytes += this.#bytesOf(unit);
    this.#peerOf.set(unit, peerId);
  }

  /** Takes `unit` out of flight; false when it was not in flight. */
  delete(unit: number): boolean {
    if (!this.#peerOf.delete(unit)) return false;
    this.#bytes -= this.#bytesOf(unit);
    return true;
  }

  /** The units in flight. */
  keys(): IterableIterator<number> {
    return this.#peerOf.keys();
  }

  /** The peers asked, one entry per unit in flight. */
  values(): IterableIterator<string> {
    return this.#peerOf.values();
  }
}
