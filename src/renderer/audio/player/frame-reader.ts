/**
 * Reads a track's decoded frames at a fractional position (cubic Hermite interpolation of the four
 * frames around it). Gapless tracks join into one stream: frames past the end of a track come from
 * the ring of the track placed after it (`after`), and frames before the start of a track that
 * continues another come from that one's ring (`before`), so the interpolation across the seam reads
 * the real neighbours instead of repeating the edge frame.
 */
import type { FrameQueue } from './frame-queue';

/** Another track's ring, joined at a seam: frame `f` of this track is frame `f + offset` there. */
export interface JoinedRing {
  queue: FrameQueue;
  offset: number;
}

/** Fractional-position reads over one ring and its joined neighbours; results in `left`/`right`. */
export class FrameReader {
  left = 0;
  right = 0;
  /** The ring of the track after this one: its frame 0 follows this track's end frame (gapless). */
  after: FrameQueue | null = null;
  /** The track this one continues, for frames before 0 (gapless). */
  before: JoinedRing | null = null;

  constructor(readonly queue: FrameQueue) {}

  /** Forgets the joined neighbours (a new segment). */
  unlink(): void {
    this.after = null;
    this.before = null;
  }

  /** Loads integer frame `f` into `left`/`right`, from this ring or a joined one; false if none holds it. */
  frame(f: number): boolean {
    let q = this.queue;
    let at = f;
    const end = q.endFrame;
    if (this.after && end !== null && f >= end) {
      q = this.after;
      at = f - end;
    } else if (this.before && f < 0) {
      q = this.before.queue;
      at = f + this.before.offset;
    }
    if (!q.frame(at)) return false;
    this.left = q.left;
    this.right = q.right;
    return true;
  }

  /**
   * Loads the frame at fractional position `position`; false if the frame at or before it is
   * missing. (Missing neighbours repeat the nearest frame.)
   */
  read(position: number): boolean {
    const f = Math.floor(position);
    const t = position - f;
    if (!this.frame(f)) return false;
    const l1 = this.left;
    const r1 = this.right;
    if (t === 0) return true;
    let l0 = l1;
    let r0 = r1;
    if (this.frame(f - 1)) {
      l0 = this.left;
      r0 = this.right;
    }
    let l2 = l1;
    let r2 = r1;
    if (this.frame(f + 1)) {
      l2 = this.left;
      r2 = this.right;
    }
    let l3 = l2;
    let r3 = r2;
    if (this.frame(f + 2)) {
      l3 = this.left;
      r3 = this.right;
    }
    this.left = hermite(l0, l1, l2, l3, t);
    this.right = hermite(r0, r1, r2, r3, t);
    return true;
  }
}

/** Catmull-Rom cubic through y1 (t = 0) and y2 (t = 1). */
export function hermite(y0: number, y1: number, y2: number, y3: number, t: number): number {
  const c1 = 0.5 * (y2 - y0);
  const c2 = y0 - 2.5 * y1 + 2 * y2 - 0.5 * y3;
  const c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
  return ((c3 * t + c2) * t + c1) * t + y1;
}
