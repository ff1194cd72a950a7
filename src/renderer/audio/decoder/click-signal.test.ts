import { describe, expect, it } from 'vitest';
import { ClickSignal, clickPcm } from './click-signal';

const RATE = 8000;
const peakOfSecond = (pcm: Float32Array, second: number) => {
  let peak = 0;
  for (let i = second * RATE; i < (second + 1) * RATE; i++) peak = Math.max(peak, Math.abs(pcm[i * 2]!));
  return peak;
};

describe('click signal', () => {
  it('clicks at the top of every group second, louder on every fourth, silent between', () => {
    // Frame 0 is heard at group second 7: seconds 7..10, of which 8 is the accent.
    const pcm = clickPcm(0, 4 * RATE, RATE, 7);
    const peaks = [0, 1, 2, 3].map((s) => peakOfSecond(pcm, s));
    expect(peaks[1]).toBeGreaterThan(0.5);
    expect(peaks[0]).toBeLessThan(0.4);
    expect(peaks[0]).toBeGreaterThan(0.2);
    // Silent from 40 ms after each click to the next.
    for (let i = 0.05 * RATE; i < RATE; i++) expect(pcm[i * 2]).toBe(0);
    // Left and right alike, and a piece made later matches the same frames made at once.
    expect(pcm[201]).toBe(pcm[200]);
    expect([...clickPcm(RATE + 10, 50, RATE, 7)]).toEqual([
      ...pcm.subarray((RATE + 10) * 2, (RATE + 60) * 2),
    ]);
  });

  it('feeds pieces a bounded way ahead of the play head, continuing where it left off', () => {
    const signal = new ClickSignal(RATE, 1, 0.25);
    signal.begin(3, 100, 4000);
    const first = signal.pump(null);
    expect(first.map((m) => (m.type === 'pcm' ? m.startFrame : -1))).toEqual([4000, 6000, 8000, 10000]);
    expect(signal.pump(4000)).toEqual([]);
    const next = signal.pump(6500);
    expect(next.map((m) => (m.type === 'pcm' ? m.startFrame : -1))).toEqual([12000, 14000]);
    expect(next.every((m) => m.generation === 3)).toBe(true);
  });
});
