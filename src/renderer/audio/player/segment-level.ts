/**
 * A segment's own gain (its loudness normalisation, linear) as its player applies it: set at once
 * while nothing of the segment is audible, ramped linearly while it plays (the room's loudness
 * setting changed mid-track, or the track's loudness became known), so a change never clicks.
 */
export class SegmentLevel {
  private current = 1;
  private target = 1;
  private step = 0;

  /** `rampFrames`: frames a change of the playing segment's gain takes. */
  constructor(private readonly rampFrames: number) {}

  /** The gain now. */
  get value(): number {
    return this.current;
  }

  /** Jumps to `gain` (the segment is not audible yet). */
  set(gain: number): void {
    this.current = gain;
    this.target = gain;
    this.step = 0;
  }

  /** Goes to `gain` in a straight line over the ramp's frames. */
  rampTo(gain: number): void {
    this.target = gain;
    this.step = Math.abs(gain - this.current) / Math.max(1, this.rampFrames);
  }

  /** The gain for one output frame; the ramp moves on by that frame. */
  next(): number {
    const value = this.current;
    if (value < this.target) this.current = Math.min(this.target, value + this.step);
    else if (value > this.target) this.current = Math.max(this.target, value - this.step);
    return value;
  }
}
