/**
 * The fade-out of a sound that a new segment replaced: rendered at once from the old ring (so the new
 * segment can take the ring), then output over the next blocks before the new segment starts.
 */
import type { FrameReader } from './frame-reader';

/** A rendered fade-out still to be output; see the file comment. */
export class FadeTail {
  private at = 0;

  private constructor(
    private readonly left: Float32Array,
    private readonly right: Float32Array,
  ) {}

  /**
   * Renders the fade-out from play head `head` (advancing by `ratio` a frame), from envelope `gain` to
   * 0 at the fade's slope (`fadeFrames` from full level), times the segment's `level`. Returns the tail
   * and where the head ends.
   */
  static render(
    reader: FrameReader,
    from: { head: number; ratio: number; gain: number; level: number },
    fadeFrames: number,
  ): { tail: FadeTail; head: number } {
    const frames = Math.ceil(from.gain * fadeFrames);
    const tail = new FadeTail(new Float32Array(frames), new Float32Array(frames));
    let head = from.head;
    for (let i = 0; i < frames; i++) {
      const g = from.gain * (1 - (i + 1) / frames) * from.level;
      if (reader.read(head)) {
        tail.left[i] = reader.left * g;
        tail.right[i] = reader.right * g;
      }
      head += from.ratio;
    }
    return { tail, head };
  }

  /** Whether all of it has been output. */
  get done(): boolean {
    return this.at >= this.left.length;
  }

  /** Copies what is left of it to the start of the block; returns the frames written. */
  drain(left: Float32Array, right: Float32Array): number {
    const count = Math.min(left.length, this.left.length - this.at);
    left.set(this.left.subarray(this.at, this.at + count));
    right.set(this.right.subarray(this.at, this.at + count));
    this.at += count;
    return count;
  }
}
