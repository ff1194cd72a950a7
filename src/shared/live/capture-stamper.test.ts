import { describe, expect, it } from 'vitest';
import { CaptureStamper } from './capture-stamper';

const BATCH = 2048;
const batchMs = (BATCH * 1000) / 48_000;

describe('CaptureStamper', () => {
  it('stamps the first batch at capture + delay and the next ones by count, through arrival jitter', () => {
    const s = new CaptureStamper({ delayMs: 300 });
    expect(s.push(BATCH, 1000)).toEqual({ groupMs: 1300, newRun: true });
    for (let i = 1; i < 200; i++) {
      const jitterMs = (i % 7) * 2 - 6; // −6…+6 ms, well under the 20 ms allowed
      const stamp = s.push(BATCH, 1000 + i * batchMs + jitterMs);
      expect(stamp.newRun).toBe(false);
      expect(stamp.groupMs).toBeCloseTo(1300 + i * batchMs, 9);
    }
    expect(s.reanchors).toBe(0);
  });

  it('re-anchors a card whose clock runs fast or slow once it stays 20 ms off for 1 s', () => {
    for (const ppm of [-2000, 2000]) {
      const s = new CaptureStamper({ delayMs: 300 });
      const captured = (i: number) => i * batchMs * (1 - ppm * 1e-6);
      s.push(BATCH, captured(0));
      let first = -1;
      for (let i = 1; i < 1000 && first < 0; i++) if (s.push(BATCH, captured(i)).newRun) first = i;
      // 20 ms off after 10 s at 2000 ppm, then 1 s more.
      const offAt = 20 / (batchMs * 2000e-6);
      expect(first, `${ppm} ppm`).toBeGreaterThan(offAt + 1000 / batchMs - 2);
      expect(first, `${ppm} ppm`).toBeLessThan(offAt + 1000 / batchMs + 3);
      expect(s.reanchors).toBe(1);
    }
  });

  it('re-anchors at once when less than half the delay would be left (the window was held up)', () => {
    const s = new CaptureStamper({ delayMs: 300 });
    s.push(BATCH, 0);
    const stamp = s.push(BATCH, 200 + batchMs);
    expect(stamp).toEqual({ groupMs: 500 + batchMs, newRun: true });
  });

  it('starts a new run after reset', () => {
    const s = new CaptureStamper({ delayMs: 100 });
    s.push(BATCH, 0);
    s.reset();
    expect(s.push(BATCH, 5000)).toEqual({ groupMs: 5100, newRun: true });
    expect(s.reanchors).toBe(0);
  });
});
