import { describe, expect, it } from 'vitest';
import {
  ClockMap,
  OutputClockWindow,
  contextToPerformance,
  median,
  medianAbsDeviation,
  performanceToContext,
  theilSenSlope,
  type OutputTimestampSource,
} from './clock-map';

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

describe('median and MAD', () => {
  it('take the middle of odd and even lists', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
    expect(medianAbsDeviation([1, 2, 3, 4, 100])).toBe(1);
  });
});

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

  it('tells its listeners when the output clock jumped, once per jump', () => {
    let perf = 5000;
    let offset = -4200;
    const source: OutputTimestampSource = {
      state: 'running',
      getOutputTimestamp: () => ({ contextTime: (perf + offset) / 1000, performanceTime: perf }),
    };
    const map = new ClockMap(source, { minSamples: 4 });
    let steps = 0;
    let size = 0;
    const off = map.onStep((stepMs) => {
      steps++;
      size = stepMs;
    });
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        perf += 40;
        map.sample();
      }
    };
    run(20);
    offset -= 25; // an underrun: the output is 25 ms later from now on
    run(2);
    expect(steps).toBe(0);
    run(1);
    expect(steps).toBe(1);
    expect(size).toBeCloseTo(-25, 9);
    expect(map.fit()!.offsetMs).toBeCloseTo(offset, 9);
    run(20);
    expect(steps).toBe(1);
    off();
    offset += 25;
    run(5);
    expect(steps).toBe(1);
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
    // Not fitted yet (under 10 s): the plain median, 1.5 s behind: 0.225 ms at 150 ppm.
    expect(w.fit()!.driftPpm).toBe(0);
    const newest = perf - 40;
    expect(truth(newest) - w.fit()!.offsetMs).toBeCloseTo(0.225, 1);
    run(40);
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
    run(20);
    expect(w.fit()!.driftPpm).toBeCloseTo(100, 3);
    offset -= 25; // an underrun
    run(0.2);
    expect(w.steps).toBe(1);
    expect(w.fit()!.driftPpm).toBe(0);
    run(15);
    expect(w.fit()!.driftPpm).toBeCloseTo(100, 3);
    expect(w.fit()!.offsetMs).toBeCloseTo(offset, 3);
    // Readings that slide 3 ms a second are not a clock: the map goes back to the plain median.
    ppm = 3000;
    run(15);
    expect(w.fit()!.driftPpm).toBe(0);
  });

  it('fits a slope that a stray point does not bend', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 1000, offsetMs: 5 + i * 0.1 }));
    points[7] = { atMs: 7000, offsetMs: 40 };
    expect(theilSenSlope(points)).toBeCloseTo(0.0001, 9);
  });

  it('converts both ways consistently', () => {
    const fit = { offsetMs: -812.25, driftPpm: 0, spreadMs: 0, samples: 5 };
    expect(performanceToContext(fit, 10_000)).toBeCloseTo(9.18775, 12);
    expect(contextToPerformance(fit, performanceToContext(fit, 12_345.678))).toBeCloseTo(12_345.678, 9);
  });
});

describe('ClockMap', () => {
  it('reads a context until ready and then converts with the median offset', async () => {
    let perf = 0;
    let ctx = 0;
    const source: OutputTimestampSource & { state: AudioContextState } = {
      state: 'suspended',
      getOutputTimestamp: () => ({ contextTime: ctx, performanceTime: perf }),
    };
    const map = new ClockMap(source, { minSamples: 4 });
    const ready = map.ready();
    expect(map.sample()).toBe('not-running');
    source.state = 'running';
    for (let i = 0; i < 3; i++) {
      // Output not started yet: performanceTime stays 0.
      ctx += 0.04;
      expect(map.sample()).toBe('not-running');
    }
    perf = 5000;
    for (let i = 0; i < 6; i++) {
      perf += 40;
      ctx = (perf - 4200 + (i % 2) * 0.02) / 1000;
      map.sample();
    }
    await ready;
    expect(map.isReady).toBe(true);
    expect(Math.abs(map.performanceToContext(6000)! - 1.8) * 1000).toBeLessThan(0.03);
    expect(Math.abs(map.contextToPerformance(1.8)! - 6000)).toBeLessThan(0.03);
  });

  it('waits for a moved output to be steady again, and gives up after the longest wait', async () => {
    let perf = 5000;
    let offset = -4200;
    let i = 0;
    const source: OutputTimestampSource = {
      state: 'running',
      // Every third reading jitters by a render quantum, as through PulseAudio.
      getOutputTimestamp: () => ({
        contextTime: (perf + offset + (i % 3 === 0 ? 2.67 : 0)) / 1000,
        performanceTime: perf,
      }),
    };
    const map = new ClockMap(source, { sampleIntervalMs: 40 });
    const feed = (n: number) => {
      for (let k = 0; k < n; k++, i++) {
        perf += 40;
        map.sample();
      }
    };
    feed(80);
    // Steady for the whole window: resolves at once, despite the jitter.
    await expect(map.steady(1000, 0.3, 10)).resolves.toBe(true);
    // The output moves 6 ms (under the step detector's 8 ms): not steady until the window's median follows.
    offset += 6;
    feed(10);
    let settled: boolean | null = null;
    const waiting = map.steady(1000, 0.3, 60_000).then((r) => (settled = r));
    feed(20);
    await Promise.resolve();
    expect(settled).toBeNull();
    feed(60);
    await waiting;
    expect(settled).toBe(true);
    expect(Math.abs(map.fit()!.offsetMs - offset)).toBeLessThan(0.01);
    // Readings that keep wandering never settle: the wait ends after its limit, with false.
    const wandering = new ClockMap({
      state: 'running',
      getOutputTimestamp: () => ({
        contextTime: (perf + offset + 3 * Math.sin(perf / 700)) / 1000,
        performanceTime: perf,
      }),
    });
    for (let k = 0; k < 80; k++) {
      perf += 40;
      wandering.sample();
    }
    await expect(wandering.steady(1000, 0.3, 20)).resolves.toBe(false);
  });

  it('rejects a ready() wait when aborted', async () => {
    const map = new ClockMap({
      state: 'running',
      getOutputTimestamp: () => ({ contextTime: 0, performanceTime: 0 }),
    });
    const controller = new AbortController();
    const waiting = map.ready(controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
  });
});
