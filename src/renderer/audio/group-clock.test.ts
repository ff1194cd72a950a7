import { describe, expect, it } from 'vitest';
import type { ClockProbeReply } from '../../shared/bridge/payloads';
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
  /** The host's clock runs this fast against the page's (ppm), from the start. */
  hostRatePpm?: number;
  /** What replies say of how the host's clock is made from the machine's (`hostClock`); absent: nothing. */
  declared?: { offsetMs: number; skewPpm: number };
}) {
  let local = 1_700_000_000_000;
  let probes = 0;
  const clock: LocalClock = { originMs: 1_699_999_990_000, nowMs: () => local };
  const hostEpochMs = local + opts.hostOffsetMs;
  const startMs = local;
  const hostAt = (localMs: number) =>
    localMs + opts.hostOffsetMs + (opts.hostRatePpm ?? 0) * 1e-6 * (localMs - startMs);
  const groupMinusHost = (hostMs: number) =>
    (opts.groupOffsetMs ?? 0) + (opts.groupDriftPpm ?? 0) * 1e-6 * (hostMs - hostEpochMs);
  const bridge: ClockProbeBridge = {
    clock: {
      probe: async (): Promise<ClockProbeReply> => {
        const [out, back] = opts.delays(probes++);
        local += out;
        const t2 = hostAt(local);
        local += 0.01;
        const t3 = hostAt(local);
        local += back;
        const hostClock = opts.declared ? { ...opts.declared, originMs: startMs } : undefined;
        if (opts.groupDriftPpm === undefined)
          return { t2, t3, groupOffsetMs: opts.groupOffsetMs, groupErrorMs: opts.groupErrorMs, hostClock };
        return {
          t2,
          t3,
          groupOffsetMs: groupMinusHost(t3),
          groupErrorMs: opts.groupErrorMs,
          groupDriftPpm: opts.groupDriftPpm,
          hostClock,
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
    groupAt: (localMs: number) => hostAt(localMs) + groupMinusHost(hostAt(localMs)),
  };
}

/** Probes twice a second for `seconds` of simulated time. */
async function probeFor(gc: GroupClock, sim: ReturnType<typeof simulation>, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 2; i++) {
    await gc.probeOnce();
    sim.advance(500);
  }
}

/** A clock on `sim`'s bridge that probes only when asked, told whether its host shares its machine. */
function sameMachineClock(sim: ReturnType<typeof simulation>, sameMachine: boolean): GroupClock {
  return new GroupClock({ bridge: sim.bridge, clock: sim.clock }, { burstProbes: 0, sameMachine });
}

/** The clock's reading of group time now lies within its stated bound of the truth. */
function expectWithinBound(gc: GroupClock, sim: ReturnType<typeof simulation>): void {
  const reading = gc.groupNow()!;
  expect(Math.abs(reading.groupMs - sim.groupAt(sim.now()))).toBeLessThanOrEqual(reading.errorMs);
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

  describe('on the same machine', () => {
    // The page's and the host's clocks are one clock, but the fastest trip out is 0.05 ms and the fastest
    // back 0.3 ms: probes alone put the host 0.125 ms behind.
    const lopsided = (i: number): [number, number] => [0.05 + (i % 3) * 0.02, 0.3 + (i % 2) * 0.05];

    it('takes one clock as one once every probe allows it, where probes alone are off by the asymmetry', async () => {
      const make = (sameMachine: boolean) => {
        const sim = simulation({
          hostOffsetMs: 0,
          groupOffsetMs: -3.5,
          groupErrorMs: 0.01,
          delays: lopsided,
        });
        return {
          sim,
          gc: sameMachineClock(sim, sameMachine),
        };
      };
      const local = make(true);
      const remote = make(false);
      await probeFor(local.gc, local.sim, 3);
      // Not yet: the probes span less than 5 s.
      expect(local.gc.sameClock).toBe(false);
      await probeFor(local.gc, local.sim, 4);
      await probeFor(remote.gc, remote.sim, 7);
      expect(local.gc.sameClock).toBe(true);
      expect(remote.gc.sameClock).toBe(false);
      const exact = local.gc.groupNow()!;
      const truth = local.sim.groupAt(local.sim.now());
      expect(Math.abs(exact.groupMs - truth)).toBeLessThan(1e-6);
      // The bound is the band all probes allow: the fastest trips out and back (0.05 + 0.3 ms) plus twice the slack.
      expect(exact.errorMs).toBeGreaterThanOrEqual(0.35);
      expect(exact.errorMs).toBeLessThan(0.35 + 0.04 + 0.02);
      const probed = remote.gc.groupNow()!;
      const probedError = Math.abs(probed.groupMs - remote.sim.groupAt(remote.sim.now()));
      expect(probedError).toBeGreaterThan(0.08);
      expect(probedError).toBeLessThanOrEqual(probed.errorMs);
    });

    it('keeps the fitted estimate for a host clock that is shifted or runs at another rate', async () => {
      const shifted = simulation({ hostOffsetMs: 0.6, groupOffsetMs: 0, groupErrorMs: 0, delays: lopsided });
      const a = sameMachineClock(shifted, true);
      await probeFor(a, shifted, 8);
      expect(a.sameClock).toBe(false);
      expect(Math.abs(a.groupNow()!.groupMs - shifted.groupAt(shifted.now()))).toBeLessThan(0.2);

      // 150 ppm fast (a host started with --clock-skew-ppm): in step at first, 0.3 ms apart within 2 s.
      const skewed = simulation({
        hostOffsetMs: 0,
        hostRatePpm: 150,
        groupOffsetMs: 0,
        groupErrorMs: 0,
        delays: lopsided,
      });
      const b = sameMachineClock(skewed, true);
      await probeFor(b, skewed, 20);
      expect(b.sameClock).toBe(false);
      expectWithinBound(b, skewed);
    });
  });

  describe('on the same machine, with a host clock shifted and skewed by flags', () => {
    const lopsided = (i: number): [number, number] => (i % 4 === 0 ? [0.05, 0.3] : [0.4, 0.35]);
    const skewed = (declared: { offsetMs: number; skewPpm: number }) =>
      simulation({
        hostOffsetMs: 250,
        hostRatePpm: 150,
        groupOffsetMs: -1.25,
        groupErrorMs: 0.002,
        delays: lopsided,
        declared,
      });

    it('takes the transform the host states once every probe allows it, where probes alone are off', async () => {
      const sim = skewed({ offsetMs: 250, skewPpm: 150 });
      const gc = sameMachineClock(sim, true);
      await probeFor(gc, sim, 8);
      expect(gc.sameClock).toBe(true);
      for (const later of [0, 1500, 4000]) {
        sim.advance(later);
        const reading = gc.groupNow()!;
        expect(Math.abs(reading.groupMs - sim.groupAt(sim.now()))).toBeLessThan(1e-6);
      }
      // The same host, probed from another machine (no same-machine test): the fitted estimate, well off.
      const remoteSim = skewed({ offsetMs: 250, skewPpm: 150 });
      const remote = sameMachineClock(remoteSim, false);
      await probeFor(remote, remoteSim, 8);
      expect(remote.sameClock).toBe(false);
      expect(Math.abs(remote.groupNow()!.groupMs - remoteSim.groupAt(remoteSim.now()))).toBeGreaterThan(0.05);
    });

    it('keeps the fitted estimate when the host states a transform its clock does not follow', async () => {
      // Says it is not skewed while it runs 150 ppm fast: contradicted within seconds.
      const sim = skewed({ offsetMs: 250, skewPpm: 0 });
      const gc = sameMachineClock(sim, true);
      await probeFor(gc, sim, 20);
      expect(gc.sameClock).toBe(false);
      expectWithinBound(gc, sim);
    });
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
