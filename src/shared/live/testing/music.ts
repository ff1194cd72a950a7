/** Test support: a music-like stereo s16 signal (tones and a little noise, the sides different), repeatable. */
export function musicLike(frames: number, noiseLevel: number, seed = 1): Int16Array {
  let state = seed;
  const noise = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * noiseLevel;
  const out = new Int16Array(frames * 2);
  for (let n = 0; n < frames; n++) {
    out[n * 2] = Math.round(8000 * Math.sin(n / 11) + 4000 * Math.sin(n / 3.1) + noise());
    out[n * 2 + 1] = Math.round(-7000 * Math.sin(n / 13) + noise());
  }
  return out;
}
