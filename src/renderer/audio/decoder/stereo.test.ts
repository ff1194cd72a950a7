import { describe, expect, it } from 'vitest';
import { toStereo } from './stereo';

describe('toStereo', () => {
  it('plays mono on both sides and leaves stereo alone', () => {
    const mono = Float32Array.of(0.5);
    expect(toStereo([mono])).toEqual([mono, mono]);
    const l = Float32Array.of(1);
    const r = Float32Array.of(-1);
    expect(toStereo([l, r])).toEqual([l, r]);
  });

  it('folds 5.1 down with centre and surrounds at −3 dB and no LFE', () => {
    const planes = [1, 2, 4, 100, 8, 16].map((v) => Float32Array.of(v));
    const [l, r] = toStereo(planes);
    expect(l[0]).toBeCloseTo(1 + Math.SQRT1_2 * (4 + 8), 5);
    expect(r[0]).toBeCloseTo(2 + Math.SQRT1_2 * (4 + 16), 5);
  });
});
