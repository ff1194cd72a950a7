/**
 * How far ahead of the play head the decoder restarts when the head has left its window (a seek, a
 * join, or a decoder that fell behind). A restart costs a seek, fresh range reads and a decoder warm-up;
 * if that takes longer than the lead, the head has passed the restart point again by the time PCM
 * comes, and a fixed lead would restart for ever (seen under load: a late joiner whose bytes were
 * still arriving). So each restart in a row doubles the lead, from `firstSec` up to `maxSec`; a decode
 * that got ahead of the head starts the count over.
 */
export function restartLeadSec(restartsInARow: number, firstSec = 0.25, maxSec = 8): number {
  return Math.min(maxSec, firstSec * 2 ** Math.max(0, restartsInARow));
}

/** What the restart rule reads of a decode run. */
export interface DecodeRun {
  /** Track frame the run started decoding at, and the frame after the last one it sent. */
  fromFrame: number;
  producedFrame: number;
  /** How far ahead of the play head the run started (0 for a run that started at the head). */
  aheadFrames: number;
  /** Restarts in a row before it. */
  restarts: number;
}

/**
 * Where to restart the decode for a play head at `headFrame`, or null to go on: when the head has run
 * past what was decoded by more than the lead, or has stepped back before the run's start (further than
 * the run started ahead of it, plus 50 ms). A run that started ahead of the head is behind it until the
 * head gets there: that is not a step back (counting it as one restarted for ever, each time ahead again).
 */
export function restartFrame(run: DecodeRun, headFrame: number, rate: number): number | null {
  const lead = Math.round(restartLeadSec(run.restarts) * rate);
  const steppedBack = headFrame < run.fromFrame - run.aheadFrames - Math.round(0.05 * rate);
  return steppedBack || headFrame > run.producedFrame + lead ? headFrame + lead : null;
}
