/**
 * The player's ring of decoded PCM: chunks of interleaved stereo frames, each tagged with the track
 * frame it starts at, held from a little behind the play head to the decoder's window ahead of it.
 *
 * Chunks arrive by message from the decoder (works with or without cross-origin isolation, and a
 * seek simply starts a new generation) and are dropped once the play head has passed them, so the
 * ring holds at most `capacityFrames` whatever the track's length. The decoder paces itself on the
 * play heads the player reports; a chunk that would still overfill the ring is refused and counted
 * (an overrun), and a frame the ring lacks when it is due is the player's underrun.
 */
import type { PcmChunk } from './protocol';

interface Held {
  startFrame: number;
  endFrame: number;
  data: Float32Array;
}

/** What `push` did with a chunk. */
export type PushResult = 'held' | 'stale' | 'overrun';

/** Decoded frames of one generation, addressed by track frame. */
export class FrameQueue {
  private chunks: Held[] = [];
  /** Index in `chunks` of the chunk the last lookup hit (lookups walk forward). */
  private cursor = 0;
  private generationValue = -1;
  private heldFrames = 0;
  /** Track frame after the last one of the track, once the decoder has said. */
  endFrame: number | null = null;
  overruns = 0;
  /** Samples of the frame found by the last successful `frame()`. */
  left = 0;
  right = 0;

  constructor(readonly capacityFrames: number) {}

  get generation(): number {
    return this.generationValue;
  }

  /** Frames held in all. */
  get size(): number {
    return this.heldFrames;
  }

  /** Forgets everything and accepts only chunks of `generation` from now on. */
  reset(generation: number): void {
    this.generationValue = generation;
    this.chunks = [];
    this.cursor = 0;
    this.heldFrames = 0;
    this.endFrame = null;
  }

  /** Takes a chunk of the current generation, unless that would hold more than the capacity. */
  push(chunk: PcmChunk): PushResult {
    if (chunk.generation !== this.generationValue) return 'stale';
    const frames = chunk.data.length >> 1;
    if (frames === 0) return 'held';
    if (this.heldFrames + frames > this.capacityFrames) {
      this.overruns++;
      return 'overrun';
    }
    const held = { startFrame: chunk.startFrame, endFrame: chunk.startFrame + frames, data: chunk.data };
    // Chunks come in order; a decoder restarted further back (after a re-position) inserts before.
    let at = this.chunks.length;
    while (at > 0 && this.chunks[at - 1]!.startFrame > held.startFrame) at--;
    this.chunks.splice(at, 0, held);
    if (at <= this.cursor && this.chunks.length > 1) this.cursor++;
    this.heldFrames += frames;
    return 'held';
  }

  /** Marks where the track ends. */
  end(generation: number, totalFrames: number): void {
    if (generation === this.generationValue) this.endFrame = totalFrames;
  }

  /**
   * Loads frame `frame` (an integer) into `left`/`right`; false when the ring does not hold it.
   * Lookups near the previous one are O(1).
   */
  frame(frame: number): boolean {
    const chunks = this.chunks;
    const n = chunks.length;
    if (n === 0) return false;
    let i = this.cursor < n ? this.cursor : n - 1;
    let c = chunks[i]!;
    if (frame < c.startFrame) {
      while (i > 0 && frame < c.startFrame) c = chunks[--i]!;
    } else {
      while (i < n - 1 && frame >= c.endFrame) c = chunks[++i]!;
    }
    if (frame < c.startFrame || frame >= c.endFrame) return false;
    this.cursor = i;
    const at = (frame - c.startFrame) * 2;
    this.left = c.data[at]!;
    this.right = c.data[at + 1]!;
    return true;
  }

  /** Frames held without a gap from `frame` on. */
  contiguousFrom(frame: number): number {
    let next = Math.floor(frame);
    for (const c of this.chunks) {
      if (c.endFrame <= next) continue;
      if (c.startFrame > next) break;
      next = c.endFrame;
    }
    return Math.max(0, next - Math.floor(frame));
  }

  /** Drops chunks that end at or before `frame` (the play head has passed them). */
  dropBefore(frame: number): void {
    let drop = 0;
    while (drop < this.chunks.length && this.chunks[drop]!.endFrame <= frame) {
      this.heldFrames -= this.chunks[drop]!.endFrame - this.chunks[drop]!.startFrame;
      drop++;
    }
    if (drop === 0) return;
    this.chunks.splice(0, drop);
    this.cursor = Math.max(0, this.cursor - drop);
  }
}
