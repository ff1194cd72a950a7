/**
 * Keeps the output device running through long silences: after `everyFrames` of all-zero output
 * one sample at `KEEP_ALIVE_LEVEL` (inaudible) goes out, because Chromium pauses a device stream
 * that stays silent and its output timestamps then jump when it restarts (`player-options.ts`).
 * Apart from the player's render loop, which only says whether a block sounded.
 */
import { KEEP_ALIVE_LEVEL } from './player-options';

/** Counts silent output frames and marks the block that completes each `everyFrames` of them. */
export class KeepAlive {
  private silentFrames = 0;

  constructor(private readonly everyFrames: number) {}

  /** After a block: one that sounded restarts the count; a silent one counts, and may get the keep-alive sample last. */
  afterBlock(left: Float32Array, sounded: boolean): void {
    if (sounded) {
      this.silentFrames = 0;
    } else if ((this.silentFrames += left.length) >= this.everyFrames) {
      this.silentFrames = 0;
      left[left.length - 1] = KEEP_ALIVE_LEVEL;
    }
  }
}
