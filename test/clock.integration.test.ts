/**
 * Group time across real peer processes with shifted and skewed clocks (--clock-offset-ms, --clock-skew-ppm).
 * Each process's unshifted clock starts from the system clock (millisecond resolution), so the truth between two
 * processes is known to about a millisecond here; the microsecond checks run in-process in src/main/clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { launchPeer, stopPeers, type TestPeer } from './support/peers';
import { agreeOnLeader, waitForStatuses } from './support/status';

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
    // Each follower is waited on by itself, each for a bound it keeps. "ahead" (200 ppm) gets a drift fit whose bound
    // shrinks and stays under 1 ms. "behind" runs at the leader's rate, so it is fitted without a drift and its bound
    // allows for up to 1000 ppm of unseen drift: it grows by about 0.5 ms per second that its samples span. It is under
    // 1 ms only for about a second after the first probe burst, and under load not at all. Waiting for both bounds
    // under 1 ms in the same poll is what timed out in CI (45 s, with the rest of the suite loading both cores).
    // Traced on the 2-core dev machine (other sessions' builds and browsers running too), 100 ms polls while
    // `npx vitest run` ran the rest of the suite: load average 3–8, "behind" was under 1 ms in 0–13 polls of 150
    // (none in 1 of 6 runs); load 9–26: "ahead" took 6.6 s (and over 45 s at load 16+), and "behind"'s first
    // estimate with a bound under 5 ms was 2.28 ms off (bound 2.66 ms, RTT 5.1 ms). So "behind" is held to its
    // own bound (plus the truth's millisecond), with that bound under 5 ms (the peers panel's "in sync").
    const synced = (ui: string, maxErrorMs: number) =>
      waitForStatuses(
        [leader.ui, ui],
        (s) =>
          agreeOnLeader(s, leader.peerId) &&
          !!s[1]?.clock &&
          s[1].clock.errorMs < maxErrorMs &&
          s[1].clock.rttMs < 50,
        { what: `follower synced to the leader within ${maxErrorMs} ms`, timeoutMs: 45_000 },
      );
    const [[lead, a], [, b]] = await Promise.all([synced(ahead.ui, 1), synced(behind.ui, 5)]);
    // offset = group − local: the leader runs 1000 ms behind "ahead" (plus 0.2 ms for every second "ahead" has
    // run, its skew) and 250 ms behind "behind". Processes' clocks start from the system clock, good to a millisecond.
    const skewMs = (ms: number) => (ms * 200) / 1e6;
    expect(a?.clock?.offsetMs).toBeLessThan(-1000 + 2);
    expect(a?.clock?.offsetMs).toBeGreaterThan(-1000 - 2 - skewMs(Date.now() - aheadStartedAt));
    expect(b?.clock).not.toBeNull();
    // The truth between two processes is each one's clock origin, read from the system clock at start: a process
    // preempted while it reads it starts a few ms off. In .ci/run (vitest's other files running beside it) "behind"
    // once read 4.34 ms off with a bound of 0.41 ms, so the truth's slack here is 6 ms, not 1; the bound itself is
    // checked to the microsecond in-process (src/main/clock, src/shared/clock).
    expect(Math.abs((b?.clock?.offsetMs ?? NaN) + 250)).toBeLessThanOrEqual((b?.clock?.errorMs ?? 0) + 6);
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
