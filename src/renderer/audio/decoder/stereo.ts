/** Folding a decoded block of any channel count into the player's stereo. */

const HALF_POWER = Math.SQRT1_2;

/**
 * Left and right of `planes` (one Float32Array per channel, in the decoder's channel order): mono on
 * both sides; stereo as it is; 5.1 and its kin (L R C LFE Ls Rs …) folded down as Web Audio's
 * "speakers" interpretation does (C and the surrounds at −3 dB, LFE dropped); other counts keep
 * their first two channels.
 */
export function toStereo(planes: readonly Float32Array[]): [Float32Array, Float32Array] {
  const first = planes[0] ?? new Float32Array(0);
  if (planes.length < 2) return [first, first];
  const left = planes[0]!;
  const right = planes[1]!;
  if (planes.length < 6) return [left, right];
  const center = planes[2]!;
  const surroundLeft = planes[4]!;
  const surroundRight = planes[5]!;
  const l = new Float32Array(left.length);
  const r = new Float32Array(left.length);
  for (let i = 0; i < left.length; i++) {
    const c = HALF_POWER * center[i]!;
    l[i] = left[i]! + c + HALF_POWER * surroundLeft[i]!;
    r[i] = right[i]! + c + HALF_POWER * surroundRight[i]!;
  }
  return [l, r];
}

/** Left and right planes as one interleaved L R array. */
export function interleave(left: Float32Array, right: Float32Array): Float32Array {
  const out = new Float32Array(left.length * 2);
  for (let i = 0; i < left.length; i++) {
    out[i * 2] = left[i]!;
    out[i * 2 + 1] = right[i]!;
  }
  return out;
}
