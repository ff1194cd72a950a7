/**
 * Group-clock benchmark: `npx tsx bench/clock.ts` (about 2.5 minutes).
 *
 * 1. Pure estimator, fake clock, 10 simulated minutes with a 200 ppm skew, on a loopback-like
 *    path and on a 5 ms ± 2 ms path with 2 % "loss".
 * 2. Real peers in two processes (leader in a child process, follower here; the proxy in a third), libp2p over TCP on
 *    127.0.0.1, leader clock −500 ms / −200 ppm and follower +500 ms / +200 ppm: loopback for 60 s,
 *    then through test/support/netem-proxy.ts (5 ms ± 2 ms per direction, 2 % of chunks +200 ms) for 60 s.
 *    The proxy releases chunks at their due time to within tens of microseconds, as netem's
 *    kernel timers do (Node's own timers alone would add up to 1 ms of error per chunk).
 *
 * Truth: both processes derive their clocks from the system's monotonic clock with a shared
 * origin, so the follower computes the leader's clock at any instant exactly.
 *
 * Flags: --loopback-sec N, --jitter-sec N, --sim-only. Child modes (internal): --leader JSON, --proxy JSON.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { noise } from '@chainsafe/libp2p-noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import {
  addSample,
  createEstimator,
  errorAt,
  estimate,
  toGroupTime,
  type ClockEstimate,
  type ClockSample,
} from '../src/shared/clock/estimator';
import { ClockSync, clockProtocol } from '../src/main/clock/clock-sync';
import { createTimeSource, hrtimeSource, type HrtimeOrigin } from '../src/main/clock/time-source';
import { startNetemProxy, type NetemOptions } from '../test/support/netem-proxy';
import { seededRandom } from '../src/shared/random';

const PROTOCOL = clockProtocol('bench');
const LEADER = { offsetMs: -500, skewPpm: -200 };
const FOLLOWER = { offsetMs: 500, skewPpm: 200 };
const NETEM: NetemOptions = { meanDelayMs: 5, jitterMs: 2, lossRate: 0.02, lossPenaltyMs: 200, seed: 1 };

interface Summary {
  medianUs: number;
  p99Us: number;
  maxUs: number;
  honestPct: number;
  medianBoundUs: number;
}

function summarize(errorsMs: number[], boundsMs: number[]): Summary {
  const abs = errorsMs.map(Math.abs).sort((a, b) => a - b);
  const q = (p: number) => abs[Math.min(abs.length - 1, Math.floor(p * abs.length))] ?? NaN;
  const honest = errorsMs.filter((e, i) => Math.abs(e) <= boundsMs[i]!).length;
  const bounds = [...boundsMs].sort((a, b) => a - b);
  return {
    medianUs: q(0.5) * 1000,
    p99Us: q(0.99) * 1000,
    maxUs: (abs.at(-1) ?? NaN) * 1000,
    honestPct: (100 * honest) / errorsMs.length,
    medianBoundUs: (bounds[bounds.length >> 1] ?? NaN) * 1000,
  };
}

const us = (x: number) => `${x.toFixed(1)} µs`;
const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');

function printSummary(s: Summary, targets: { medianUs?: number; p99Us?: number }): void {
  const med =
    targets.medianUs !== undefined
      ? ` (target ≤ ${targets.medianUs} µs: ${verdict(s.medianUs <= targets.medianUs)})`
      : '';
  const p99 =
    targets.p99Us !== undefined
      ? ` (target ≤ ${targets.p99Us} µs: ${verdict(s.p99Us <= targets.p99Us)})`
      : '';
  console.log(`    |estimate − truth| median ${us(s.medianUs)}${med}`);
  console.log(`    |estimate − truth| p99    ${us(s.p99Us)}${p99}`);
  console.log(`    |estimate − truth| max    ${us(s.maxUs)}`);
  console.log(
    `    stated bound: median ${us(s.medianBoundUs)}; truth inside the bound at ${s.honestPct.toFixed(2)} % of checks`,
  );
}

// ---------------------------------------------------------------- 1. pure estimator, fake clock

/** Mirrors ClockSync's schedule: rounds of 3 back-to-back probes (lowest delay kept), 16 rounds 30 ms
 * apart, then every 250 ms for 30 s, then every 1 s. */
function simulate(
  label: string,
  oneWayMs: (random: () => number) => number,
  targets: { medianUs?: number; p99Us?: number },
): void {
  const random = seededRandom(2024);
  const skewPpm = 200;
  const start = 1_700_000_000_000;
  const server = (t: number) => t + 1234.5 + skewPpm * 1e-6 * (t - start);
  const durationMs = 10 * 60_000;
  let state = createEstimator();
  let current: ClockEstimate | null = null;
  let nextRound = start;
  let rounds = 0;
  let boundMetAt: number | null = null;
  const windows = {
    converging: { errors: [] as number[], bounds: [] as number[] },
    steady: { errors: [] as number[], bounds: [] as number[] },
  };
  for (let t = start; t < start + durationMs; t += 10) {
    while (nextRound <= t) {
      let best: ClockSample | null = null;
      let t1 = nextRound;
      for (let i = 0; i < 3; i++) {
        const arrive = t1 + oneWayMs(random);
        const leave = arrive + 0.01;
        const sample: ClockSample = {
          t1,
          t2: server(arrive),
          t3: server(leave),
          t4: leave + oneWayMs(random),
        };
        if (!best || sample.t4 - sample.t1 < best.t4 - best.t1) best = sample;
        t1 = sample.t4;
      }
      state = addSample(state, best!);
      current = estimate(state, best!.t4);
      if (boundMetAt === null && current && current.errorMs <= 1) boundMetAt = best!.t4 - start;
      rounds++;
      nextRound += rounds < 16 ? 30 : nextRound - start < 30_000 ? 250 : 1000;
    }
    if (!current || t < start + 2000) continue;
    const w = t < start + 30_000 ? windows.converging : windows.steady;
    w.errors.push(toGroupTime(current, t) - server(t));
    w.bounds.push(errorAt(current, t));
  }
  console.log(`\n[sim] ${label}, 200 ppm skew, 10 simulated minutes`);
  console.log('  converging, 2–30 s after joining:');
  printSummary(summarize(windows.converging.errors, windows.converging.bounds), {});
  console.log('  steady state, 30 s – 10 min:');
  printSummary(summarize(windows.steady.errors, windows.steady.bounds), targets);
  console.log(
    `  drift estimate ${current!.driftPpm.toFixed(2)} ppm (true ${skewPpm} ppm, error ${(current!.driftPpm - skewPpm).toFixed(2)} ppm)`,
  );
  console.log(`  bound ≤ 1 ms after ${boundMetAt === null ? 'never' : `${boundMetAt.toFixed(0)} ms`}`);
}

// ---------------------------------------------------------------- 2. real peers

interface LeaderConfig {
  originNs: string;
  originMs: number;
  offsetMs: number;
  skewPpm: number;
}

interface LeaderReady {
  addr: string;
  port: number;
  timelineOffsetMs: number;
}

async function makeNode(): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

/** Child mode: run the delaying proxy in front of a port until stdin closes (its own process, so
 * that neither peer's event loop runs the proxy's timers and both directions see the same costs). */
async function runProxy(config: { targetPort: number; netem: NetemOptions }): Promise<void> {
  const proxy = await startNetemProxy(config.targetPort, config.netem);
  console.log(`proxy-ready ${JSON.stringify({ port: proxy.port })}`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await proxy.close();
  process.exit(0);
}

/** Child mode: run the leader until stdin closes. */
async function runLeader(config: LeaderConfig): Promise<void> {
  const base = hrtimeSource({ originNs: BigInt(config.originNs), originMs: config.originMs });
  const time = createTimeSource({
    base,
    offsetMs: config.offsetMs,
    skewPpm: config.skewPpm,
    originMs: config.originMs,
  });
  const node = await makeNode();
  const clock = new ClockSync({ node, timeSource: time }, { protocol: PROTOCOL });
  await clock.start();
  clock.setLeader(node.peerId);
  const addr = node.getMultiaddrs()[0]!;
  const port = Number(addr.getComponents().find((c) => c.name === 'tcp')?.value);
  const ready: LeaderReady = { addr: addr.toString(), port, timelineOffsetMs: clock.timelineOffsetMs };
  console.log(`leader-ready ${JSON.stringify(ready)}`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await clock.stop();
  await node.stop();
  process.exit(0);
}

/** Runs this file in child mode and waits for its ready line. */
async function spawnChild<T>(
  mode: '--leader' | '--proxy',
  config: unknown,
): Promise<{ ready: T; stop(): void }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, mode, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const prefix = mode === '--leader' ? 'leader-ready ' : 'proxy-ready ';
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} process did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${mode} process exited with ${code}`)));
    lines.on('line', (line) => {
      if (!line.startsWith(prefix)) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(prefix.length)) as T);
    });
  });
  return { ready, stop: () => child.stdin.end() };
}

async function realPeers(
  label: string,
  seconds: number,
  netem: NetemOptions | null,
  targets: { medianUs?: number; p99Us?: number },
) {
  const origin: HrtimeOrigin = { originNs: process.hrtime.bigint(), originMs: Date.now() };
  const base = hrtimeSource(origin);
  const leaderConfig: LeaderConfig = {
    originNs: origin.originNs.toString(),
    originMs: origin.originMs,
    ...LEADER,
  };
  const leader = await spawnChild<LeaderReady>('--leader', leaderConfig);
  const proxy = netem
    ? await spawnChild<{ port: number }>('--proxy', { targetPort: leader.ready.port, netem })
    : null;
  // The leader's clock, recomputed here from the same origin and parameters.
  const leaderTime = createTimeSource({ base, ...LEADER, originMs: origin.originMs });
  const truthAt = (b: number) => leaderTime.fromBase(b) + leader.ready.timelineOffsetMs;

  const time = createTimeSource({ base, ...FOLLOWER, originMs: origin.originMs });
  const node = await makeNode();
  const clock = new ClockSync({ node, timeSource: time }, { protocol: PROTOCOL });
  await clock.start();
  const target = multiaddr(leader.ready.addr);
  const leaderId = target.getComponents().find((c) => c.name === 'p2p')!.value!;
  const dialAddr =
    proxy === null ? target : multiaddr(`/ip4/127.0.0.1/tcp/${proxy.ready.port}/p2p/${leaderId}`);
  await node.dial(dialAddr);

  const joinedAt = performance.now();
  let boundMetMs: number | null = null;
  let errorAtBoundMs = NaN;
  clock.on('clock:updated', (detail) => {
    if (boundMetMs !== null || detail.errorMs > 1) return;
    boundMetMs = performance.now() - joinedAt;
    const b = base.nowMs();
    errorAtBoundMs = clock.groupTimeAt(time.fromBase(b)) - truthAt(b);
  });
  clock.setLeader(leaderId);

  const windows = {
    converging: { errors: [] as number[], bounds: [] as number[] },
    steady: { errors: [] as number[], bounds: [] as number[] },
  };
  const settleMs = 2000;
  const steadyMs = 30_000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - joinedAt;
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      if (elapsed < settleMs) return;
      const b = base.nowMs();
      const local = time.fromBase(b);
      const status = clock.estimate(local);
      if (!status) return;
      const w = elapsed < steadyMs ? windows.converging : windows.steady;
      w.errors.push(clock.groupTimeAt(local) - truthAt(b));
      w.bounds.push(status.errorMs);
    }, 10);
  });
  const final = clock.estimate();
  const trueDriftPpm = ((1 + LEADER.skewPpm * 1e-6) / (1 + FOLLOWER.skewPpm * 1e-6) - 1) * 1e6;
  const stats = clock.stats();
  await clock.stop();
  await node.stop();
  proxy?.stop();
  leader.stop();

  console.log(
    `\n[real] ${label}, ${seconds} s, leader ${LEADER.offsetMs} ms/${LEADER.skewPpm} ppm, follower +${FOLLOWER.offsetMs} ms/+${FOLLOWER.skewPpm} ppm`,
  );
  console.log(
    `  checks every 10 ms from ${settleMs / 1000} s on; ${stats.repliesReceived} probe replies, min RTT ${final?.rttMs.toFixed(3)} ms`,
  );
  console.log(
    `  converging, ${settleMs / 1000}–${steadyMs / 1000} s after joining (${windows.converging.errors.length} checks):`,
  );
  printSummary(summarize(windows.converging.errors, windows.converging.bounds), {});
  console.log(`  steady state, ${steadyMs / 1000}–${seconds} s (${windows.steady.errors.length} checks):`);
  printSummary(summarize(windows.steady.errors, windows.steady.bounds), targets);
  console.log(`  drift estimate ${final?.driftPpm.toFixed(2)} ppm (true ${trueDriftPpm.toFixed(2)} ppm)`);
  const bound =
    boundMetMs === null
      ? 'never'
      : `${(boundMetMs as number).toFixed(0)} ms (error then ${us(Math.abs(errorAtBoundMs) * 1000)})`;
  const boundTarget = netem
    ? ''
    : ` (target ≤ 1000 ms: ${verdict(boundMetMs !== null && boundMetMs <= 1000)})`;
  console.log(`  time from join to bound ≤ 1 ms: ${bound}${boundTarget}`);
  console.log(`  dropped: ${JSON.stringify(stats.dropped)}, reconnects ${stats.reconnects}`);
}

// ---------------------------------------------------------------- main

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const leaderArg = process.argv.indexOf('--leader');
const proxyArg = process.argv.indexOf('--proxy');
if (leaderArg >= 0) {
  await runLeader(JSON.parse(process.argv[leaderArg + 1]!) as LeaderConfig);
} else if (proxyArg >= 0) {
  await runProxy(JSON.parse(process.argv[proxyArg + 1]!) as { targetPort: number; netem: NetemOptions });
} else {
  const started = performance.now();
  console.log('Group clock benchmark (estimate − truth of group time at the follower)');
  simulate(
    'loopback-like path (40–80 µs each way, 5 % of replies +0.5 ms)',
    (r) => 0.04 + 0.04 * r() + (r() < 0.05 ? 0.5 : 0),
    {
      medianUs: 50,
      p99Us: 200,
    },
  );
  simulate('5 ms ± 2 ms each way, 2 % of messages +200 ms', (r) => 3 + 4 * r() + (r() < 0.02 ? 200 : 0), {
    p99Us: 500,
  });
  if (!process.argv.includes('--sim-only')) {
    await realPeers('loopback', flag('--loopback-sec', 60), null, { medianUs: 50, p99Us: 200 });
    await realPeers(
      `through the delaying proxy (${NETEM.meanDelayMs} ms ± ${NETEM.jitterMs} ms each way, ${NETEM.lossRate * 100} % of chunks +${NETEM.lossPenaltyMs} ms)`,
      flag('--jitter-sec', 60),
      NETEM,
      { p99Us: 500 },
    );
  }
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  process.exit(0);
}
