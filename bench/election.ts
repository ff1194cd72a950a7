/**
 * `npm run bench:election`: for N = 3, 8, 16, 32 peers on loopback (real libp2p nodes), the time from killing the
 * leader to every survivor agreeing on the new one, and the election messages (ELECTION, ANSWER, COORDINATOR) sent
 * for it, with the default timings.
 *
 * The peers run in one host thread per core (bench/election-host.ts), spread round-robin, so every core works;
 * peers on one thread share its compiled code but nothing else (own sockets, keys, timers; they talk over TCP).
 * A kill is a crash: the peer falls silent without a leave message and its connections close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultElectionTimings, defaultMembershipTimings } from '../src/shared/election';
import type { HostCommand, HostReport } from './election-host';
import { quantile, verdict } from './stats';

interface Peer {
  index: number;
  host: Worker;
  peerId: string;
  addr: string;
  leader: string | null;
  members: number;
  electionMessages: number;
  connections: number;
  topicPeers: number;
  /** When this peer last changed its leader (wall-clock ms). */
  leaderAtMs: number;
}

const sizes = (process.env.FIREFLY_BENCH_SIZES ?? '3,8,16,32').split(',').map(Number);
const runs = Number(process.env.FIREFLY_BENCH_RUNS ?? 5);
const hostCount = Number(process.env.FIREFLY_BENCH_HOSTS ?? os.availableParallelism());
const hostFile = path.join(import.meta.dirname, 'election-host.ts');

/** The host threads of one size's run and the peers they report on. */
class Hosts {
  readonly threads: Worker[];
  readonly peers = new Map<number, Peer>();
  /** Set when a host thread died: its peers are gone, so the run is void. */
  failure: Error | null = null;
  readonly #starting = new Map<number, { resolve: (peer: Peer) => void; reject: (error: Error) => void }>();
  readonly #cpuWaiters = new Map<Worker, (usedUs: number) => void>();

  constructor(count: number) {
    this.threads = Array.from({ length: count }, () => {
      const worker = new Worker(hostFile, { execArgv: ['--import', 'tsx'] });
      worker.on('message', (report: HostReport) => this.#onReport(worker, report));
      worker.on('error', (error) => {
        this.failure ??= error;
        for (const pending of this.#starting.values()) pending.reject(error);
      });
      return worker;
    });
  }

  start(index: number, dataRoot: string, bootstrap: string[]): Promise<Peer> {
    const host = this.threads[index % this.threads.length]!;
    return new Promise((resolve, reject) => {
      this.#starting.set(index, { resolve, reject });
      host.postMessage({ kind: 'start', index, dataRoot, bootstrap } satisfies HostCommand);
    });
  }

  kill(peer: Peer): void {
    this.peers.delete(peer.index);
    peer.host.postMessage({ kind: 'kill', index: peer.index } satisfies HostCommand);
  }

  /** CPU time all host threads have used so far, in microseconds. */
  async cpuUs(): Promise<number> {
    const used = await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<number>((resolve) => {
            this.#cpuWaiters.set(thread, resolve);
            thread.postMessage({ kind: 'cpu' } satisfies HostCommand);
          }),
      ),
    );
    return used.reduce((sum, us) => sum + us, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  #onReport(host: Worker, report: HostReport): void {
    if (report.kind === 'ready') {
      const peer: Peer = {
        index: report.index,
        host,
        peerId: report.peerId,
        addr: report.addr,
        leader: null,
        members: 0,
        electionMessages: 0,
        connections: 0,
        topicPeers: 0,
        leaderAtMs: 0,
      };
      this.peers.set(report.index, peer);
      this.#starting.get(report.index)?.resolve(peer);
      this.#starting.delete(report.index);
    } else if (report.kind === 'cpu') {
      this.#cpuWaiters.get(host)?.(report.usedUs);
      this.#cpuWaiters.delete(host);
    } else if (report.kind === 'failed') {
      this.#starting.get(report.index)?.reject(new Error(report.error));
      this.#starting.delete(report.index);
    } else {
      const peer = this.peers.get(report.index);
      if (!peer) return;
      if (report.leader !== peer.leader) peer.leaderAtMs = report.atMs;
      peer.leader = report.leader;
      peer.members = report.members;
      peer.electionMessages = report.electionMessages;
      peer.connections = report.connections;
      peer.topicPeers = report.topicPeers;
    }
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return check();
}

/** Who the peers follow and what they see, for the report of a room that does not settle. */
function describe(peers: Peer[], failure: Error | null): string {
  const leaders = new Map<string, number>();
  for (const p of peers)
    leaders.set(String(p.leader).slice(-6), (leaders.get(String(p.leader).slice(-6)) ?? 0) + 1);
  const members = peers.map((p) => `${p.members}/${p.connections}/${p.topicPeers}`).join(' ');
  return (
    `leaders seen ${JSON.stringify([...leaders])}, members/connections/topic peers ${members}` +
    (failure ? `; a host thread died: ${failure.message}` : '')
  );
}

const agreed = (peers: Peer[], leaderId: string) => peers.every((p) => p.leader === leaderId);
const sumMessages = (peers: Peer[]) => peers.reduce((sum, p) => sum + p.electionMessages, 0);

interface SizeResult {
  times: number[];
  messages: number[];
  /** CPU a peer of the settled room uses while nothing happens, in % of one core. */
  idleCpuPercent: number;
}

/** How long the settled room's CPU use is measured before the first kill. */
const IDLE_MEASURE_MS = 5000;

async function benchSize(n: number): Promise<SizeResult> {
  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'firefly-bench-election-'));
  const hosts = new Hosts(Math.min(hostCount, n));
  const times: number[] = [];
  const messages: number[] = [];
  let idleCpuPercent = NaN;
  try {
    const first = await hosts.start(0, dataRoot, []);
    const peers: Peer[] = [first];
    peers.push(
      ...(await Promise.all(
        Array.from({ length: n - 1 }, (_, i) => hosts.start(i + 1, dataRoot, [first.addr])),
      )),
    );
    for (let run = 0; run < Math.min(runs, n - 1); run++) {
      // The current leader is the highest live peer (the last one); killing it must hand over to the next.
      const leader = peers[peers.length - 1] as Peer;
      const settled = await waitFor(
        () => agreed(peers, leader.peerId) && peers.every((p) => p.members === peers.length - 1),
        60_000 + n * 5_000,
      );
      if (!settled)
        throw new Error(
          `N=${n}: the room did not settle on its highest peer (${describe(peers, hosts.failure)})`,
        );
      if (run === 0) {
        const before = await hosts.cpuUs();
        const startMs = performance.now();
        await new Promise((resolve) => setTimeout(resolve, IDLE_MEASURE_MS));
        idleCpuPercent = ((await hosts.cpuUs()) - before) / 10 / (performance.now() - startMs) / n;
      }
      // Let a few heartbeats pass so that every follower has heard the leader recently.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const survivors = peers.slice(0, -1);
      const next = survivors[survivors.length - 1] as Peer;
      const before = sumMessages(survivors);
      const killedAtMs = performance.timeOrigin + performance.now();
      hosts.kill(leader);
      peers.pop();
      if (!(await waitFor(() => agreed(survivors, next.peerId), 30_000)))
        throw new Error(
          `N=${n}: survivors did not agree within 30 s (${describe(survivors, hosts.failure)})`,
        );
      times.push(Math.max(...survivors.map((p) => p.leaderAtMs)) - killedAtMs);
      // Count what the election sent until things are quiet again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      messages.push(sumMessages(survivors) - before);
    }
  } finally {
    await hosts.close();
    rmSync(dataRoot, { recursive: true, force: true });
  }
  return { times, messages, idleCpuPercent };
}

async function main(): Promise<void> {
  const t = defaultElectionTimings;
  const m = defaultMembershipTimings;
  console.log(
    `# Election failover: leader heartbeat ${t.heartbeatMs} ms, leader timeout ${t.leaderTimeoutMs} ms, answer timeout ${t.answerTimeoutMs} ms, ` +
      `coordinator timeout ${t.coordinatorTimeoutMs} ms; follower heartbeat ${m.followerHeartbeatMs} ms ` +
      `(slower past ${m.followerHeartbeatsPerSec} a second per room), member timeout ${m.memberTimeoutMs} ms (${m.memberTimeoutMs / m.followerHeartbeatMs} periods); ` +
      `${os.cpus().length} cores, ${hostCount} host threads`,
  );
  console.log(
    '| N | kills | median ms | p95 ms | election msgs per failover (median) | idle CPU per peer (% of a core) | target |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    let result: SizeResult;
    try {
      result = await benchSize(n);
    } catch (error) {
      // Each peer is a whole libp2p node: past a point this machine has too few cores to run them all on time.
      console.log(
        `| ${n} | 0 | – | – | – | – | ${(error as Error).message} (${os.cpus().length} cores for ${n} nodes) |`,
      );
      continue;
    }
    const { times, messages, idleCpuPercent } = result;
    const median = quantile(times, 0.5);
    const target = n === 16 ? `median ≤ 1500 ms: ${verdict(median <= 1500)}` : '';
    console.log(
      `| ${n} | ${times.length} | ${median.toFixed(0)} | ${quantile(times, 0.95).toFixed(0)} | ${quantile(messages, 0.5).toFixed(0)} | ${idleCpuPercent.toFixed(1)} | ${target} |`,
    );
  }
}

await main();
process.exit(0);
