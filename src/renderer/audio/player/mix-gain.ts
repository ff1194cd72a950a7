/**
 * The crossfade's mix: how loud the outgoing and the incoming track are at each output frame. The
 * gains are functions of the incoming track's frame position alone, which every peer computes from
 * the same placement on the same timeline, so every speaker's mix is the same, sample for sample.
 */

/**
 * How far through the overlap the incoming track is at its (fractional) frame `incomingFrame`:
 * 0 before its anchor frame, 1 from `overlapFrames` after it on. With no overlap (gapless) it steps
 * from 0 to 1 at the anchor frame.
 */
export function overlapProgress(incomingFrame: number, anchorFrame: number, overlapFrames: number): number {
  const into = incomingFrame - anchorFrame;
  if (overlapFrames <= 0) return into >= 0 ? 1 : 0;
  return Math.min(1, Math.max(0, into / overlapFrames));
}

/**
 * Equal-power gains at progress `x` (0–1): the outgoing track at cos(x·π/2), the incoming at
 * sin(x·π/2), so the summed power of two unrelated signals stays constant through the overlap
 * (a linear fade dips 3 dB in the middle).
 */
export function equalPowerGains(x: number): { outgoing: number; incoming: number } {
  const angle = (Math.min(1, Math.max(0, x)) * Math.PI) / 2;
  // At the ends, exact 0 and 1 (cos(π/2) is 6e-17, not 0).
  if (x <= 0) return { outgoing: 1, incoming: 0 };
  if (x >= 1) return { outgoing: 0, incoming: 1 };
  return { outgoing: Math.cos(angle), incoming: Math.sin(angle) };
}
