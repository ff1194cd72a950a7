import { describe, expect, it } from 'vitest';
import { OutputClockWindow } from './output-clock-window';

/** Readings of an output whose context clock is `offsetMs` ahead of performance time, with jitter. */
function readings(
  count: number,
  offsetMs: number,
  jitter: (i: number) => number,
  startPerfMs = 1000,
  stepMs = 40,
) {
  return Array.from({ length: count }, (_, i) => {
    const performanceTimeMs = startPerfMs + i * stepMs;
    return { performanceTimeMs, contextTimeSec: (performanceTimeMs + offsetMs + jitter(i)) / 1000 };
  });
}

describe('OutputClockWindow', () => {
  it('refuses readings until the output runs and its context time advances', () => {
    const w = new OutputClockWindow({ minSamples: 3 });
    expect(w.add({ contextTimeSec: 0, performanceTimeMs: 0 })).toBe('not-running');
    expect(w.add({ contextTimeSec: 0.5, performanceTimeMs: 0 })).toBe('not-running');
    expect(w.add({ contextTimeSec: 0.5, performanceTimeMs: 900 })).toBe('stalled');
    // Context time standing still while performance time moves: not running yet.
    expect(w.add({ contextTimeSec: 0.5, performanceTimeMs: 940 })).toBe('stalled');
    expect(w.fit()).toBeNull();
    for (const r of readings(3, -400, () => 0, 1000)) expect(w.add(r)).toBe('accepted');
    expect(w.fit()?.offsetMs).toBeCloseTo(-400, 9);
  });

  it('is the median of jittery readings, unmoved by single outliers', () => {
    const w = new OutputClockWindow({ windowSize: 15, minSamples: 5 });
    // Jitter of up to one render quantum (2.67 ms) on every third reading, a big spike once.
    const jitter = (i: number) => (i === 7 ? 30 : i % 3 === 0 ? 2.67 : (i % 5) * 0.01);
    w.add({ contextTimeSec: 0.1, performanceTimeMs: 950 });
    for (const r of readings(15, 1234.5, jitter)) w.add(r);
    const fit = w.fit()!;
    expect(Math.abs(fit.offsetMs - 1234.5)).toBeLessThan(0.05);
    expect(fit.spreadMs).toBeLessThan(0.1);
    // The spike was held as a step suspect and dropped when the next reading agreed with the window.
    expect(fit.samples).toBe(14);
  });

  it('follows a step of the output clock once confirmed', () => {
    const w = new OutputClockWindow({ windowSize: 9, minSamples: 5, stepThresholdMs: 4, stepConfirm: 3 });
    w.add({ contextTimeSec: 0.1, performanceTimeMs: 950 });
    for (const r of readings(9, 100, () => 0, 1000)) w.add(r);
    const after = readings(3, 150, () => 0, 2000);
    w.add(after[0]!);
    w.add(after[1]!);
    expect(w.fit()?.offsetMs).toBeCloseTo(100, 9);
    expect(w.steps).toBe(0);
    w.add(after[2]!);
    expect(w.fit()?.offsetMs).toBeCloseTo(150, 9);
    expect(w.steps).toBe(1);
  });

  it('restarts when the context stops advancing', () => {
    const w = new OutputClockWindow({ minSamples: 3 });
    w.add({ contextTimeSec: 0.1, performanceTimeMs: 950 });
    for (const r of readings(5, 10, () => 0)) w.add(r);
    expect(w.fit()).not.toBeNull();
    const last = readings(5, 10, () => 0)[4]!;
    w.add({ contextTimeSec: last.contextTimeSec, performanceTimeMs: last.performanceTimeMs + 40 });
    expect(w.fit()).toBeNull();
  });

  it('ignores the same reading taken twice within one audio callback, and keeps its map', () => {
    const w = new OutputClockWindow({ minSamples: 3 });
    w.add({ contextTimeSec: 0.1, performanceTimeMs: 950 }, 950);
    const rs = readings(5, 10, () => 0);
    for (const r of rs) w.add(r, r.performanceTimeMs);
    const before = w.fit()!;
    // Two timers that fired 5 ms apart read the same callback's timestamp.
    const last = rs.at(-1)!;
    expect(w.add({ ...last }, last.performanceTimeMs + 5)).toBe('duplicate');
    expect(w.add({ ...last }, last.performanceTimeMs + 60)).toBe('duplicate');
    expect(w.fit()).toEqual(before);
    // Without the reader's time a repeat is a duplicate too.
    expect(w.add({ ...last })).toBe('duplicate');
    const next = readings(1, 10, () => 0, last.performanceTimeMs + 40)[0]!;
    expect(w.add(next, next.performanceTimeMs)).toBe('accepted');
    expect(w.fit()?.samples).toBe(before.samples + 1);
  });

  it('takes a reading that repeats for longer than stallAfterMs as an output that stopped', () => {
    const w = new OutputClockWindow({ minSamples: 3, stallAfterMs: 150 });
    w.add({ contextTimeSec: 0.1, performanceTimeMs: 950 }, 950);
    const rs = readings(5, 10, () => 0);
    for (const r of rs) w.add(r, r.performanceTimeMs);
    const last = rs.at(-1)!;
    const seen = last.performanceTimeMs;
    expect(w.add({ ...last }, seen + 40)).toBe('duplicate');
    expect(w.add({ ...last }, seen + 120)).toBe('duplicate');
    expect(w.fit()).not.toBeNull();
    expect(w.add({ ...last }, seen + 160)).toBe('stalled');
    expect(w.fit()).toBeNull();
  });

  it('counts an output that stalled and came back elsewhere as a step, once re-established', () => {
    const w = new OutputClockWindow({ minSamples: 4, stepThresholdMs: 8 });
    w.add({ contextTimeSec: 0.1, performanceTimeMs: 950 });
    const before = readings(10, 100, () => 0, 1000);
    for (const r of before) w.add(r);
    // The output stalls: context time stands still for a few readings, then runs on 216 ms later.
    const last = before.at(-1)!;
    for (let i = 1; i <= 6; i++)
      expect(
        w.add({ contextTimeSec: last.contextTimeSec, performanceTimeMs: last.performanceTimeMs + 40 * i }),
      ).toBe('stalled');
    const after = readings(4, 100 - 216, () => 0, 1700);
    for (const r of after.slice(0, 3)) w.add(r);
    expect(w.fit()).toBeNull();
    expect(w.steps).toBe(0);
    w.add(after[3]!);
    expect(w.steps).toBe(1);
    expect(w.lastStepMs).toBeCloseTo(-216, 9);
    // A stall after which the output is where it was is no step; nor is a reset (a suspended context).
    const w2 = new OutputClockWindow({ minSamples: 4, stepThresholdMs: 8 });
    w2.add({ contextTimeSec: 0.1, performanceTimeMs: 950 });
    for (const r of readings(10, 100, () => 0, 1000)) w2.add(r);
    w2.add({ contextTimeSec: 1, performanceTimeMs: 2000 });
    for (const r of readings(6, 100.5, () => 0, 2100)) w2.add(r);
    expect(w2.fit()).not.toBeNull();
    expect(w2.steps).toBe(0);
    w2.reset();
    for (const r of readings(6, 300, () => 0, 3000)) w2.add(r);
    expect(w2.steps).toBe(0);
  });

  it('follows a drifting output clock at its newest reading, where the median alone lags by half a window', () => {
    const w = new OutputClockWindow();
    // A device 150 ppm fast against the performance clock, readings 40 ms apart, wandering in a 0.75 s
    // sawtooth of ±1 ms as the sound server's latency interpolation does.
    const driftPpm = 150;
    const truth = (perfMs: number) => -500 + driftPpm * 1e-6 * (perfMs - 1000);
    const sawtooth = (perfMs: number) => (perfMs % 750) / 375 - 1;
    w.add({ contextTimeSec: 0.4, performanceTimeMs: 960 });
    let perf = 1000;
    const run = (sec: number) => {
      for (const end = perf + sec * 1000; perf < end; perf += 40)
        w.add({ performanceTimeMs: perf, contextTimeSec: (perf + truth(perf) + sawtooth(perf)) / 1000 });
    };
    run(5);
    // Not fitted yet (under a minute): the plain median, 1.5 s behind: 0.225 ms at 150 ppm.
    expect(w.fit()!.driftPpm).toBe(0);
    const newest = perf - 40;
    expect(truth(newest) - w.fit()!.offsetMs).toBeCloseTo(0.225, 1);
    run(75);
    const fit = w.fit()!;
    expect(Math.abs(fit.driftPpm - driftPpm)).toBeLessThan(10);
    expect(Math.abs(fit.offsetMs - truth(perf - 40))).toBeLessThan(0.03);
    expect(fit.samples).toBe(75);
  });

  it('forgets the drift when the output steps, and refuses a drift no device clock has', () => {
    const w = new OutputClockWindow({ stepThresholdMs: 8 });
    w.add({ contextTimeSec: 0.4, performanceTimeMs: 960 });
    let perf = 1000;
    let offset = 200;
    let ppm = 100;
    const run = (sec: number) => {
      for (const end = perf + sec * 1000; perf < end; perf += 40) {
        offset += ppm * 1e-6 * 40;
        w.add({ performanceTimeMs: perf, contextTimeSec: (perf + offset) / 1000 });
      }
    };
    run(65);
    expect(w.fit()!.driftPpm).toBeCloseTo(100, 3);
    offset -= 25; // an underrun
    run(0.2);
    expect(w.steps).toBe(1);
    expect(w.fit()!.driftPpm).toBe(0);
    run(30);
    expect(w.fit()!.driftPpm).toBe(0);
    run(35);
    expect(w.fit()!.driftPpm).toBeCloseTo(100, 3);
    expect(w.fit()!.offsetMs).toBeCloseTo(offset, 3);
    // Readings that slide 3 ms a second are not a clock: the map goes back to the plain median.
    ppm = 3000;
    run(65);
    expect(w.fit()!.driftPpm).toBe(0);
  });
});
