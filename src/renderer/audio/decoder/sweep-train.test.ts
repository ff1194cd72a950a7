import { describe, expect, it } from 'vitest';
import { sweepAt } from '../../calibration/test-signal';
import { ClickSignal } from './click-signal';
import { SWEEP_SEC, sweepTrainPcm } from './sweep-train';

const RATE = 8000;

describe('sweep train', () => {
  it('plays each sweep from its exact start, between frames too, and silence elsewhere', () => {
    const starts = [0.25, 1.2501];
    const pcm = sweepTrainPcm(0, 2 * RATE, RATE, starts);
    for (const frame of [2000, 2100, 3999, 10_001, 10_500]) {
      const start = frame < RATE ? starts[0]! : starts[1]!;
      expect(pcm[frame * 2]).toBeCloseTo(sweepAt(frame / RATE - start), 6);
      expect(pcm[frame * 2 + 1]).toBe(pcm[frame * 2]);
    }
    // Nothing before the first sweep, between the two, or after the last.
    for (let f = 0; f < 0.25 * RATE; f++) expect(pcm[f * 2]).toBe(0);
    for (let f = Math.ceil((0.25 + SWEEP_SEC) * RATE) + 1; f < 1.25 * RATE; f++) expect(pcm[f * 2]).toBe(0);
    for (let f = Math.ceil((1.2501 + SWEEP_SEC) * RATE) + 1; f < 2 * RATE; f++) expect(pcm[f * 2]).toBe(0);
    // A sweep that straddles two pieces is the same as made at once.
    expect([...sweepTrainPcm(2500, 300, RATE, starts)]).toEqual([...pcm.subarray(5000, 5600)]);
  });

  it('is fed to the player like the click train, ahead of the play head', () => {
    const signal = new ClickSignal(RATE, 1, 0.25);
    signal.beginSignal(5, (start, frames) => sweepTrainPcm(start, frames, RATE, [0.5]), 0);
    const pieces = signal.pump(null);
    expect(pieces.map((m) => (m.type === 'pcm' ? m.startFrame : -1))).toEqual([0, 2000, 4000, 6000]);
    const second = pieces[2];
    expect(second?.type === 'pcm' && second.data[2 * 100]).toBeCloseTo(sweepAt(100 / RATE), 6);
  });
});
