import { describe, expect, it } from 'vitest';
import { summarize } from './analyze';
import { perChannelTimings } from './per-channel';

describe('perChannelTimings', () => {
  it('tells which channel stepped, wherever the track starts in the recording', () => {
    // Irregular click times, as the bench's click tracks have; the track starts 3.2 s into the recording.
    const clicks = [0, 0.21, 0.47, 0.7, 0.98, 1.19, 1.45, 1.71, 1.94, 2.22];
    const start = 3.2;
    // Channel A on time throughout; channel B on time, then 12 ms late from the sixth click on.
    const aErrorsMs = clicks.map(() => 0);
    const bErrorsMs = clicks.map((_, i) => (i >= 5 ? 12 : 0));
    const heardA = clicks.map((t, i) => start + t + aErrorsMs[i]! / 1000);
    const offsets = clicks.map((_, i) => bErrorsMs[i]! - aErrorsMs[i]!);
    // The recording missed the first two clicks.
    const report = summarize(offsets.slice(2), heardA.slice(2), 0);
    const rows = perChannelTimings(report, clicks);
    expect(rows.map((r) => r.click)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of rows) expect(r.aMs).toBeCloseTo(0, 6);
    expect(rows.map((r) => Math.round(r.bMs) + 0)).toEqual([0, 0, 0, 12, 12, 12, 12, 12]);
  });

  it('gives nothing for a take without clicks', () => {
    expect(perChannelTimings(summarize([], [], 0), [0, 1])).toEqual([]);
  });
});
