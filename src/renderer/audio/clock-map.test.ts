import { describe, expect, it } from 'vitest';
import {
  ClockMap,
  contextToPerformance,
  performanceToContext,
  type OutputTimestampSource,
} from './clock-map';

describe('fit conversions', () => {
  it('converts both ways consistently', () => {
    const fit = { offsetMs: -812.25, driftPpm: 0, spreadMs: 0, samples: 5 };
    expect(performanceToContext(fit, 10_000)).toBeCloseTo(9.18775, 12);
    expect(contextToPerformance(fit, performanceToContext(fit, 12_345.678))).toBeCloseTo(12_345.678, 9);
  });
});

describe('ClockMap', () => {
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
    const off = map.on('clock:stepped', (stepMs) => {
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
