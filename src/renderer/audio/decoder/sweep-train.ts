/**
 * Calibration test signals as PCM the engine plays through its one player (#23): the sweep of
 * `calibration/test-signal.ts`, starting at given offsets after the play's frame 0, silence elsewhere.
 * Each sweep is computed at its exact start time, so a start between two frames is kept to the microsecond.
 */
import { sweepAt } from '../../calibration/test-signal';

/** The sweep's length (s), as `sweepAt` plays it by default. */
export const SWEEP_SEC = 0.5;

/**
 * Interleaved stereo frames `[startFrame, startFrame + frames)` at `rate` of a play whose frame 0 is at
 * time 0, with one sweep starting at each of `startsSec`.
 */
export function sweepTrainPcm(
  startFrame: number,
  frames: number,
  rate: number,
  startsSec: readonly number[],
): Float32Array {
  const out = new Float32Array(frames * 2);
  for (const startSec of startsSec) {
    const first = Math.max(startFrame, Math.floor(startSec * rate));
    const last = Math.min(startFrame + frames, Math.ceil((startSec + SWEEP_SEC) * rate) + 1);
    for (let frame = first; frame < last; frame++) {
      const v = sweepAt(frame / rate - startSec);
      const i = (frame - startFrame) * 2;
      out[i] = (out[i] ?? 0) + v;
      out[i + 1] = (out[i + 1] ?? 0) + v;
    }
  }
  return out;
}
