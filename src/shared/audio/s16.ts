/** Interleaved stereo s16 to planar float (−1…1), and back. */

/** Interleaved stereo s16 as planar float. */
export function s16ToPlanar(pcm: Int16Array): { left: Float32Array; right: Float32Array } {
  const n = pcm.length >> 1;
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = pcm[i * 2]! / 32768;
    right[i] = pcm[i * 2 + 1]! / 32768;
  }
  return { left, right };
}

/** Interleaved float as interleaved s16, clipped. */
export function floatToS16(data: Float32Array): Int16Array {
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(data[i]! * 32768)));
  return out;
}
