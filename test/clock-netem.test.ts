/**
 * Group time over a bad network: 5 ms ± 2 ms delay each way and 2 % "loss" (this kernel has no netem qdisc, so a
 * userspace proxy on loopback delays, jitters and stalls the TCP stream as netem would; see test/support/netem-proxy.ts).
 * The estimate must stay within its stated error bound of the truth.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { ClockSync, clockProtocol } from '../src/main/clock/clock-sync';
import {
  createTimeSource,
  hrtimeSource,
  type SkewedTimeSource,
  type TimeSource,
} from '../src/main/clock/time-source';
import { startNetemProxy, type NetemProxy } from './support/netem-proxy';

interface ClockPeer {
  node: Libp2p;
  time: SkewedTimeSource;
  clock: ClockSync;
}

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function aPeer(base: TimeSource, offsetMs: number, skewPpm: number): Promise<ClockPeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  const time = createTimeSource({ base, offsetMs, skewPpm });
  const clock = new ClockSync(
    { node, timeSource: time },
    { protocol: clockProtocol('netem-test'), periodicIntervalMs: 250 },
  );
  await clock.start();
  cleanup.push(async () => {
    await clock.stop();
    await node.stop();
  });
  return { node, time, clock };
}

const tcpPort = (node: Libp2p) => Number(/\/tcp\/(\d+)/.exec(node.getMultiaddrs()[0]?.toString() ?? '')?.[1]);

describe('group time through a delaying, jittery, lossy path', () => {
  it('keeps the true leader time inside the stated bound', async () => {
    const base = hrtimeSource();
    const leader = await aPeer(base, 300, -100);
    const follower = await aPeer(base, -300, 100);
    const proxy: NetemProxy = await startNetemProxy(tcpPort(leader.node), {
      meanDelayMs: 5,
      jitterMs: 2,
      lossRate: 0.02,
      lossPenaltyMs: 200,
      seed: 7,
    });
    cleanup.push(() => proxy.close());
    await follower.node.dial(
      multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${leader.node.peerId.toString()}`),
    );
    leader.clock.setLeader(leader.node.peerId);
    follower.clock.setLeader(leader.node.peerId);

    const deadline = Date.now() + 60_000;
    let checks = 0;
    let worstErrorUs = 0;
    while (checks < 40 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const status = follower.clock.estimate();
      if (!status || status.samples < 8) continue;
      const b = base.nowMs();
      const estimated = follower.clock.groupTimeAt(follower.time.fromBase(b));
      const truth = leader.clock.groupTimeAt(leader.time.fromBase(b));
      const bound = follower.clock.status(follower.time.fromBase(b)).errorMs;
      expect(Math.abs(estimated - truth)).toBeLessThanOrEqual(bound);
      worstErrorUs = Math.max(worstErrorUs, Math.abs(estimated - truth) * 1000);
      checks++;
    }
    expect(checks).toBe(40);
    // Round trips include two 3–7 ms delays: the RTT the estimator reports must show them.
    expect(follower.clock.estimate()?.rttMs).toBeGreaterThan(5);
    expect(proxy.stats.chunks).toBeGreaterThan(50);
    // Even here the estimate is far better than a millisecond (the bench prints the distribution).
    expect(worstErrorUs).toBeLessThan(3000);
  }, 90_000);
});
