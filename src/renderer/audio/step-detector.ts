/**
 * The output clock map's step detector (`output-clock-window.ts`).
 *
 * Measured through PulseAudio on a busy machine, the readings wander by a few ms in a sawtooth (the
 * server's latency interpolation) while the sound itself stays put; an underrun, on the other hand,
 * really moves the output by 10–30 ms at once. The window's long median ignores the sawtooth; this
 * detector confirms a move when several readings in a row land far (8 ms) on one side of it, and the
 * window is then replaced by those readings.
 */

/** What the detector made of a reading far from the window's median. */
export type StepCheck =
  /** Within the threshold: a reading for the window. */
  | { kind: 'near' }
  /** Far, not (yet) confirmed: kept aside. */
  | { kind: 'suspect' }
  /** Far, and confirmed: the window's new readings (offsets and their performance times). */
  | { kind: 'step'; offsets: number[]; times: number[] };

/** Confirms steps of the output clock and counts them. */
export class StepDetector {
  private suspects: { offset: number; atMs: number }[] = [];
  private stepCount = 0;
  private lastStep = 0;

  constructor(
    /** A reading this far (ms) from the median, confirmed by `confirm` in a row on the same side, is a step. */
    readonly thresholdMs: number,
    private readonly confirm: number,
  ) {}

  /** Looks at reading `offset` (at performance time `atMs`) against the window's median `m`. */
  check(offset: number, atMs: number, m: number): StepCheck {
    const deviation = offset - m;
    if (Math.abs(deviation) > this.thresholdMs) {
      const sameSide = this.suspects.every((s) => Math.sign(s.offset - m) === Math.sign(deviation));
      const suspect = { offset, atMs };
      this.suspects = sameSide ? [...this.suspects, suspect] : [suspect];
      if (this.suspects.length >= this.confirm) {
        const offsets = this.suspects.map((s) => s.offset);
        const times = this.suspects.map((s) => s.atMs);
        this.suspects = [];
        return { kind: 'step', offsets, times };
      }
      return { kind: 'suspect' };
    }
    return { kind: 'near' };
  }

  /** Drops the readings kept aside. */
  clear(): void {
    this.suspects = [];
  }

  /** Counts a confirmed step of `stepMs`. */
  count(stepMs: number): void {
    this.stepCount++;
    this.lastStep = stepMs;
  }

  /** Confirmed steps so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** Size (ms) of the last confirmed step (0 before any). */
  get lastStepMs(): number {
    return this.lastStep;
  }
}
