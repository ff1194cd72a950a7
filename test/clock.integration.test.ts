/**
 * Group time across real peer processes with shifted and skewed clocks (--clock-offset-ms, --clock-skew-ppm).
 * Each process's unshifted clock starts from the system clock (millisecond resolution), so the truth between two
 * processes is known to about a millisecond here; the microsecond checks run in-process in src/main/clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { launchPeer, stopPeers, type TestPeer } from '../e2e/peers';
import { agreeOnLeader, waitForStatuses } from '../e2e/status';

let peers: TestPeer[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

describe('group time between peer processes', () => {
  it('followers estimate the leader clock despite ±500 ms offsets and a 200 ppm skew, and report it in status', async () => {
    const leader = await launchPeer({ name: 'leader', args: ['--leader', '--clock-offset-ms', '-500'] });
    peers = [leader];
    const seed = leader.addrs.find((a) => a.includes('/127.0.0.1/')) as string;
    const aheadStartedAt = Date.now();
    const ahead = await launchPeer({
      name: 'ahead',
      args: ['--bootstrap', seed, '--clock-offset-ms', '500', '--clock-skew-ppm', '200'],
    });
    const behind = await launchPeer({
      name: 'behind',
      args: ['--bootstrap', seed, '--clock-offset-ms', '-250'],
    });
    peers.push(ahead, behind);
    const statuses = await waitForStatuses(
      peers.map((p) => p.ui),
      (s) =>
        agreeOnLeader(s, leader.peerId) &&
        s.slice(1).every((x) => x.clock !== null && x.clock.errorMs < 1 && x.clock.rttMs < 50),
      { what: 'followers synced to the leader', timeoutMs: 45_000 },
    );
    const [lead, a, b] = statuses;
    // offset = group − local: the leader runs 1000 ms behind "ahead" (plus 0.2 ms for every second "ahead" has
    // run, its skew) and 250 ms behind "behind". Processes' clocks start from the system clock, good to a millisecond.
    const skewMs = (ms: number) => (ms * 200) / 1e6;
    expect(a?.clock?.offsetMs).toBeLessThan(-1000 + 2);
    expect(a?.clock?.offsetMs).toBeGreaterThan(-1000 - 2 - skewMs(Date.now() - aheadStartedAt));
    expect(b?.clock?.offsetMs).toBeGreaterThan(-250 - 2);
    expect(b?.clock?.offsetMs).toBeLessThan(-250 + 2);
    // "ahead" runs 200 ppm fast; the drift estimate needs a few seconds of samples to show it.
    const later = await waitForStatuses([ahead.ui], ([s]) => Math.abs((s?.clock?.driftPpm ?? 0) + 200) < 30, {
      what: 'drift estimate',
      timeoutMs: 45_000,
    });
    expect(later[0]?.clock?.driftPpm).toBeLessThan(-170);
    expect(lead?.clock).toBeNull();
    // The leader sees each follower's clock through their heartbeats (peers panel, debug).
    const withClocks = await waitForStatuses(
      [leader.ui],
      ([s]) => (s?.members ?? []).every((m) => m.clock !== null),
      { what: 'member clocks' },
    );
    const reported = withClocks[0]?.members.find((m) => m.peerId === ahead.peerId)?.clock;
    expect(reported?.offsetMs).toBeLessThan(-998);
    expect(reported?.offsetMs).toBeGreaterThan(-1002 - skewMs(Date.now() - aheadStartedAt));
  }, 120_000);
});
