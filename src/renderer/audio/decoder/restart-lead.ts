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
