/**
 * What the player did for one generation (one segment), as every status reports it to the engine:
 * output rendered as silence for want of decoded frames, the sample-exact re-positions and the error
 * that called for the last one, and where the first sound was. The engine's readiness, first-sound
 * and sync figures read these; kept apart from the render loop, which only records into them.
 */
import type { PlayerStatus } from './protocol';

/** One generation's counters; `reset()` when a new segment starts. */
export class GenerationStats {
  starvedFrames = 0;
  repositions = 0;
  repositionErrorFrames: number | null = null;
  started: PlayerStatus['started'] = null;

  /** A new generation: nothing recorded yet. */
  reset(): void {
    this.starvedFrames = 0;
    this.repositions = 0;
    this.repositionErrorFrames = null;
    this.started = null;
  }

  /** Records a re-position called for by a play head `errorFrames` off the timeline. */
  repositioned(errorFrames: number): void {
    this.repositions++;
    this.repositionErrorFrames = errorFrames;
  }

  /** The counters as a status carries them. */
  snapshot(): Pick<PlayerStatus, 'starvedFrames' | 'repositions' | 'repositionErrorFrames' | 'started'> {
    const { starvedFrames, repositions, repositionErrorFrames, started } = this;
    return { starvedFrames, repositions, repositionErrorFrames, started };
  }
}
