import { describe, expect, it } from 'vitest';
import type { ClockProbeReply } from '../../shared/bridge/contract';
import { GroupClock, type ClockProbeBridge, type LocalClock } from './group-clock';

/**
 * A simulated page and host: the host's clock is `hostOffsetMs` ahead of the page's and the
 * host knows group − host = `groupOffsetMs`. Each probe takes a one-way delay out and back.
 */
function simulation(opts: {
  hostOffsetMs: number;
  groupOffsetMs: number | null;
  groupErrorMs: number | null;
  delays: (i: number) => [number, number];
  /** When set, group − host moves at this rate (ppm of host time) from host time `hostEpochMs`, and replies say so. */
  groupDriftPpm?: number;
}) {
  let local = 1_700_000_000_000;
  let probes = 0;
  const clock: LocalClock = { originMs: 1_699_999_990_000, nowMs: () => local };
  const hostEpochMs = local + opts.hostOffsetMs;
  const groupMinusHost = (hostMs: number) =>
    (opts.groupOffsetMs ?? 0) + (opts.groupDriftPpm ?? 0) * 1e-6 * (hostMs - hostEpochMs);
  const bridge: ClockProbeBridge = {
    clock: {
      probe: async (): Promise<ClockProbeReply> => {
        const [out, back] = opts.delays(probes++);
        local += out;
        const t2 = local + opts.hostOffsetMs;
        local += 0.01;
        const t3 = local + opts.hostOffsetMs;
        local += back;
        if (opts.groupDriftPpm === undefined)
          return { t2, t3, groupOffsetMs: opts.groupOffsetMs, groupErrorMs: opts.groupErrorMs };
        return {
          t2,
          t3,
          groupOffsetMs: groupMinusHost(t3),
          groupErrorMs: opts.groupErrorMs,
          groupDriftPpm: opts.groupDriftPpm,
        };
      },
    },
  };
  return {
    clock,
    bridge,
    advance: (ms: number) => (local += ms),
    now: () => local,
    /** True group time at local time `localMs`. */
    groupAt: (localMs: number) => localMs + opts.hostOffsetMs + groupMinusHost(localMs + opts.hostOffsetMs),
  };
}

describe('GroupClock', () => {
  it('estimates group time through the host, within its stated bound', async () => {
    // Mostly fast probes, some slow and lopsided ones (a busy IPC channel).
    const sim = simulation({
      hostOffsetMs: 4321.5,
      groupOffsetMs: -250.25,
      groupErrorMs: 0.3,
      delays: (i) => (i % 4 === 3 ? [6, 0.2] : [0.15 + (i % 3) * 0.01, 0.15]),
    });
    const gc = new GroupClock({ bridge: sim.bridge, clock: sim.clock }, { burstProbes: 0 });
    const ready = gc.ready();
    expect(gc.groupNow()).toBeNull();
    for (let i = 0; i < 12; i++) {
      await gc.probeOnce();
      sim.advance(100);
    }
    await ready;
    const reading = gc.groupNow()!;
    const truth = sim.now() + 4321.5 - 250.25;
    expect(reading.hostSynced).toBe(true);
    expect(Math.abs(reading.groupMs - truth)).toBeLessThanOrEqual(reading.errorMs);
    expect(Math.abs(reading.groupMs - truth)).toBeLessThan(0.05);
    expect(reading.errorMs).toBeGreaterThanOrEqual(0.3);
    expect(reading.errorMs).toBeLessThan(2);
    // Conversions through performance time invert each other.
    const perf = sim.now() - sim.clock.originMs + 250;
    const group = gc.performanceToGroup(perf)!.groupMs;
    expect(gc.groupToPerformance(group)!).toBeCloseTo(perf, 6);
    expect(gc.stats.accepted).toBeGreaterThan(8);
  });

  it("carries the host's offset forward along its drift between probes", async () => {
    // A host whose clock runs 150 ppm fast against the leader's: group − host falls 0.15 ms a second.
    const sim = simulation({
      hostOffsetMs: 250,
      groupOffsetMs: -250,
      groupErrorMs: 0.05,
      groupDriftPpm: -150,
      delays: () => [0.1, 0.1],
    });
    const gc = new GroupClock({ bridge: sim.bridge, clock: sim.clock }, { burstProbes: 0 });
    for (let i = 0; i < 8; i++) {
      await gc.probeOnce();
      sim.advance(50);
    }
    // Three seconds after the last probe the reading is still right (a held offset would be 0.45 ms off).
    sim.advance(3000);
    const reading = gc.groupNow()!;
    expect(Math.abs(reading.groupMs - sim.groupAt(sim.now()))).toBeLessThan(0.005);
    const target = sim.groupAt(sim.now() + 2000);
    expect(gc.groupToLocal(target)!).toBeCloseTo(sim.now() + 2000, 4);
  });

  it('takes the host clock as group time while the host has no estimate', async () => {
    const sim = simulation({
      hostOffsetMs: -77,
      groupOffsetMs: null,
      groupErrorMs: null,
      delays: () => [0.1, 0.1],
    });
    const gc = new GroupClock({ bridge: sim.bridge, clock: sim.clock }, { burstProbes: 0, minSamples: 2 });
    await gc.probeOnce();
    await gc.probeOnce();
    const reading = gc.groupNow()!;
    expect(reading.hostSynced).toBe(false);
    expect(Math.abs(reading.groupMs - (sim.now() - 77))).toBeLessThan(0.01);
  });

  it('counts failed and malformed replies without using them', async () => {
    let call = 0;
    const bridge: ClockProbeBridge = {
      clock: {
        probe: async () => {
          call++;
          if (call === 1) throw new Error('bridge down');
          if (call === 3) return { t2: 1, t3: 1, groupOffsetMs: 0, groupErrorMs: 0, groupDriftPpm: 1e6 };
          return { t2: Number.NaN, t3: 1, groupOffsetMs: null, groupErrorMs: null };
        },
      },
    };
    const gc = new GroupClock(
      { bridge, clock: { originMs: 0, nowMs: () => 1000 + call } },
      { burstProbes: 0, minSamples: 1 },
    );
    expect(await gc.probeOnce()).toBe(false);
    expect(await gc.probeOnce()).toBe(false);
    // A drift no clock can have (100 %) is a broken reply.
    expect(await gc.probeOnce()).toBe(false);
    expect(gc.stats).toMatchObject({ sent: 3, failed: 1, rejected: 2, accepted: 0 });
    expect(gc.groupNow()).toBeNull();
  });

  it('probes on its own once started and stops cleanly', async () => {
    const sim = simulation({ hostOffsetMs: 10, groupOffsetMs: 0, groupErrorMs: 0, delays: () => [0.1, 0.1] });
    const gc = new GroupClock(
      { bridge: sim.bridge, clock: sim.clock },
      { burstProbes: 5, probeIntervalMs: 5 },
    );
    gc.start();
    await gc.ready(AbortSignal.timeout(5000));
    gc.stop();
    const sent = gc.stats.sent;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gc.stats.sent).toBeLessThanOrEqual(sent + 1);
    expect(gc.groupNow()).not.toBeNull();
  });
});
