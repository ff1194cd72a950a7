import { noise } from '@chainsafe/libp2p-noise';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeReply, encodeProbe } from '../../shared/clock/probe-codec';
import { StreamGuard } from '../net/stream-guard';
import { ClockSync, clockProtocol, type ClockStatus } from './clock-sync';
import { createTimeSource, hrtimeSource, type SkewedTimeSource, type TimeSource } from './time-source';
import { nextEvent } from '../testing/next-event';

const PROTOCOL = clockProtocol('test-room');

interface TestPeer {
  node: Libp2p;
  time: SkewedTimeSource;
  clock: ClockSync;
  guard: StreamGuard;
}

const live: TestPeer[] = [];

async function aPeer(base: TimeSource, offsetMs: number, skewPpm: number): Promise<TestPeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  const time = createTimeSource({ base, offsetMs, skewPpm });
  const guard = new StreamGuard();
  const clock = new ClockSync(
    { node, timeSource: time, guard },
    { protocol: PROTOCOL, burstCount: 16, burstIntervalMs: 20, fastIntervalMs: 100, periodicIntervalMs: 200 },
  );
  await clock.start();
  const peer = { node, time, clock, guard };
  live.push(peer);
  return peer;
}

async function connectAll(peers: TestPeer[]): Promise<void> {
  for (const a of peers) {
    for (const b of peers) {
      if (a !== b) await a.node.dial(b.node.getMultiaddrs()[0]!);
    }
  }
}

/** Resolves when the clock reports a status satisfying `done`; rejects after timeoutMs. */
function until(
  clock: ClockSync,
  done: (status: ClockStatus) => boolean,
  timeoutMs = 45_000,
): Promise<ClockStatus> {
  return nextEvent(clock, 'clock:updated', {
    match: done,
    timeoutMs,
    why: () => `clock condition not met within ${timeoutMs} ms: ${JSON.stringify(clock.status())}`,
  });
}

/** A follower's group time, the true group time and the follower's bound, all at one base instant. */
function measure(follower: TestPeer, leader: TestPeer) {
  const b = follower.time.base.nowMs();
  const local = follower.time.fromBase(b);
  const estimated = follower.clock.groupTimeAt(local);
  const truth = leader.clock.groupTimeAt(leader.time.fromBase(b));
  return { b, estimated, truth, errorMs: follower.clock.status(local).errorMs };
}

afterEach(async () => {
  for (const peer of live.splice(0)) {
    await peer.clock.stop();
    await peer.node.stop();
  }
});

describe('ClockSync over real libp2p nodes', () => {
  it('brings followers with ±500 ms and ±200 ppm clocks within their stated bound of the leader', async () => {
    const base = hrtimeSource();
    const leader = await aPeer(base, -500, -200);
    const fast = await aPeer(base, 500, 200);
    const plain = await aPeer(base, 0, 0);
    await connectAll([leader, fast, plain]);

    const joinedAt = performance.now();
    leader.clock.setLeader(leader.node.peerId);
    for (const f of [fast, plain]) f.clock.setLeader(leader.node.peerId.toString());
    await until(fast.clock, (s) => s.errorMs <= 1);
    const timeToBoundMs = performance.now() - joinedAt;
    expect(timeToBoundMs).toBeLessThan(5000);

    await Promise.all([fast, plain].map((f) => until(f.clock, (s) => s.samples >= 24)));
    for (let i = 0; i < 10; i++) {
      await until(fast.clock, () => true);
      for (const f of [fast, plain]) {
        const m = measure(f, leader);
        expect(Math.abs(m.estimated - m.truth)).toBeLessThanOrEqual(m.errorMs);
        // How tight the bound gets is a benchmark figure (npm run bench:clock); here it must only stay sane.
        expect(m.errorMs).toBeLessThan(5);
      }
    }
    // The true offsets are about −1000 ms and −500 ms plus the skew accumulated since the clocks were made:
    // the fast clock drifts −400 ppm relative to group time, the plain one −200 ppm (CI once took 30 s to get
    // here under the full suite's load: 12.6 ms of skew for the fast clock).
    for (const [f, nominal, skewPpm] of [
      [fast, -1000, 400],
      [plain, -500, 200],
    ] as const) {
      const b = base.nowMs();
      const trueOffset = leader.clock.groupTimeAt(leader.time.fromBase(b)) - f.time.fromBase(b);
      const skewedMs = (b - f.time.originMs) * skewPpm * 1e-6;
      expect(Math.abs(trueOffset - nominal)).toBeLessThan(1 + skewedMs * 1.05);
      expect(Math.abs(f.clock.estimate(f.time.fromBase(b))!.offsetMs - trueOffset)).toBeLessThan(1);
    }
    // The drift fit replaces the offset-only one (drift 0) once its slope stands out from the noise, which
    // under the full suite's load can take longer than the samples above span (CI once still had the
    // offset-only fit there). Over a 10 s span the delay envelope pins the slope: wait for both.
    const trueDriftPpm = ((1 - 200e-6) / (1 + 200e-6) - 1) * 1e6;
    const drifting = await until(
      fast.clock,
      (s) => s.driftPpm !== 0 && performance.now() - joinedAt > 12_000,
    );
    expect(Math.abs(drifting.driftPpm - trueDriftPpm)).toBeLessThan(60);
    expect(leader.clock.estimate()).toMatchObject({ role: 'leader', errorMs: 0, offsetMs: 0 });
    expect(fast.clock.stats().probesSent).toBeGreaterThanOrEqual(24);
    expect(leader.clock.stats().probesServed).toBeGreaterThanOrEqual(48);
  });

  it('carries the timeline over to a new leader without a jump beyond the error bounds', async () => {
    const base = hrtimeSource();
    const oldLeader = await aPeer(base, 300, 150);
    const heir = await aPeer(base, -400, -180);
    const other = await aPeer(base, 800, 90);
    await connectAll([oldLeader, heir, other]);
    oldLeader.clock.setLeader(oldLeader.node.peerId);
    heir.clock.setLeader(oldLeader.node.peerId);
    other.clock.setLeader(oldLeader.node.peerId);
    // `samples` counts the samples the fit selected (the fastest ones), which a loaded machine keeps
    // few of (CI once had 14 after 45 s at a 0.3 ms bound): the bound is what says the estimate is good.
    await Promise.all([heir, other].map((f) => until(f.clock, (s) => s.samples >= 8 && s.errorMs < 1)));

    // The old leader vanishes; the election picks the heir.
    await oldLeader.clock.stop();
    await oldLeader.node.stop();
    const b0 = base.nowMs();
    const oldTimeline = (b: number) => oldLeader.clock.groupTimeAt(oldLeader.time.fromBase(b));
    const heirBound = heir.clock.status(heir.time.fromBase(b0)).errorMs;
    const otherBefore = other.clock.groupTimeAt(other.time.fromBase(b0));
    const otherBoundBefore = other.clock.status(other.time.fromBase(b0)).errorMs;

    heir.clock.setLeader(heir.node.peerId);
    other.clock.setLeader(heir.node.peerId.toString());
    expect(heir.clock.isLeader).toBe(true);

    // The heir's timeline continues the old one within the heir's bound at the hand-over.
    const newTimeline = (b: number) => heir.clock.groupTimeAt(heir.time.fromBase(b));
    expect(Math.abs(newTimeline(b0) - oldTimeline(b0))).toBeLessThanOrEqual(heirBound + 0.01);
    // Nobody's group time stood still or leapt while the followers had no estimate.
    const carried = other.clock.groupTimeAt(other.time.fromBase(b0));
    expect(Math.abs(carried - otherBefore)).toBeLessThan(0.001);

    await until(other.clock, (s) => s.samples >= 8);
    const m = measure(other, heir);
    expect(Math.abs(m.estimated - m.truth)).toBeLessThanOrEqual(m.errorMs);
    // What the other follower sees as the jump at b0: its old view against its new one.
    const otherAfter = other.clock.groupTimeAt(other.time.fromBase(b0));
    const otherBoundAfter = other.clock.status(other.time.fromBase(b0)).errorMs;
    expect(Math.abs(otherAfter - otherBefore)).toBeLessThanOrEqual(
      otherBoundBefore + heirBound + otherBoundAfter,
    );
    expect(Math.abs(otherAfter - otherBefore)).toBeLessThan(1);
  });

  it('ends a stream on its first malformed or oversized frame, counts it once, and keeps serving others', async () => {
    const base = hrtimeSource();
    const leader = await aPeer(base, 0, 0);
    const prober = await aPeer(base, 0, 0);
    await connectAll([leader, prober]);
    leader.clock.setLeader(leader.node.peerId);

    // A bad frame, then more bad frames and a good probe: the stream ends at the first one.
    const bad = lpStream(await prober.node.dialProtocol(leader.node.peerId, PROTOCOL));
    await bad.write(new Uint8Array([9, 9, 9]));
    await bad.write(new Uint8Array(13).fill(7)).catch(() => {});
    await bad.write(encodeProbe({ seq: 41, t1: 1 })).catch(() => {});
    await expect(bad.read({ signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    expect(leader.clock.stats().dropped.malformedProbes).toBe(1);

    const good = lpStream(await prober.node.dialProtocol(leader.node.peerId, PROTOCOL));
    await good.write(encodeProbe({ seq: 42, t1: 1234.5 }));
    const reply = decodeReply((await good.read({ signal: AbortSignal.timeout(5000) })).subarray());
    expect(reply.ok && reply.value).toMatchObject({
      seq: 42,
      t1: 1234.5,
      authoritative: true,
      serverErrorMs: 0,
    });

    await good.write(new Uint8Array(1000));
    await expect(good.read({ signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    expect(leader.clock.stats().dropped.oversizedFrames).toBe(1);

    prober.clock.setLeader(leader.node.peerId);
    const status = await until(prober.clock, (s) => s.samples >= 3);
    expect(status.errorMs).toBeLessThan(1);
  });

  it('benches a peer that keeps opening clock streams with bad input', async () => {
    const base = hrtimeSource();
    const leader = await aPeer(base, 0, 0);
    const prober = await aPeer(base, 0, 0);
    await connectAll([leader, prober]);
    leader.clock.setLeader(leader.node.peerId);

    // 5 MiB of zero bytes is five million empty frames: the first ends the stream.
    const flood = await prober.node.dialProtocol(leader.node.peerId, PROTOCOL);
    flood.send(new Uint8Array(5 * 1024 * 1024));
    await expect(lpStream(flood).read({ signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
    expect(leader.clock.stats().dropped.malformedProbes).toBe(1);

    for (let i = 0; i < 2; i++) {
      const lp = lpStream(await prober.node.dialProtocol(leader.node.peerId, PROTOCOL));
      await lp.write(new Uint8Array([1]));
      await expect(lp.read({ signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    }
    expect(leader.clock.stats().dropped.malformedProbes).toBe(3);

    // Three strikes: the next stream, even a well-formed one, is reset unanswered.
    const refused = lpStream(await prober.node.dialProtocol(leader.node.peerId, PROTOCOL));
    await refused.write(encodeProbe({ seq: 1, t1: 1 })).catch(() => {});
    await expect(refused.read({ signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    expect(leader.clock.stats().dropped.malformedProbes).toBe(3);
    expect(leader.guard.stats()).toMatchObject({ strikes: 3, benched: 1, benchedPeers: 1 });
    expect(leader.guard.stats().refusedStreams).toBeGreaterThanOrEqual(1);
  });

  it('starts and stops idempotently and stops serving after stop', async () => {
    const base = hrtimeSource();
    const a = await aPeer(base, 0, 0);
    const b = await aPeer(base, 0, 0);
    await connectAll([a, b]);
    await a.clock.start();
    await a.clock.stop();
    await a.clock.stop();
    await expect(
      b.node.dialProtocol(a.node.peerId, PROTOCOL, { signal: AbortSignal.timeout(5000) }),
    ).rejects.toThrow();
    await a.clock.start();
    a.clock.setLeader(a.node.peerId);
    b.clock.setLeader(a.node.peerId);
    await until(b.clock, (s) => s.samples >= 2);
  });
});
