/**
 * `npm run bench:election`: for N = 3, 8, 16, 32 peers on loopback (real libp2p nodes, one worker thread each, so
 * both cores work as two PCs would), the time from killing the leader to every survivor agreeing on the new one,
 * and the election messages (ELECTION, ANSWER, COORDINATOR) sent for it, with the default timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultElectionTimings, defaultMembershipTimings } from '../src/shared/election';
import { quantile, verdict } from './stats';

interface PeerThread {
  worker: Worker;
  peerId: string;
  addr: string;
  leader: string | null;
  members: number;
  electionMessages: number;
  /** When this peer last changed its leader (wall-clock ms). */
  leaderAtMs: number;
}

const sizes = (process.env.FIREFLY_BENCH_SIZES ?? '3,8,16,32').split(',').map(Number);
const runs = Number(process.env.FIREFLY_BENCH_RUNS ?? 5);
const workerFile = path.join(import.meta.dirname, 'election-peer.ts');

function startPeer(index: number, bootstrap: string[], dataRoot: string): Promise<PeerThread> {
  const worker = new Worker(workerFile, {
    workerData: { index, dataDir: path.join(dataRoot, `p${index}`), bootstrap },
    execArgv: ['--import', 'tsx'],
  });
  return new Promise((resolve, reject) => {
    const peer = { worker, peerId: '', addr: '', leader: null, members: 0, electionMessages: 0, leaderAtMs: 0 } as PeerThread;
    worker.on('message', (m: { kind: string; peerId?: string; addr?: string; atMs?: number; leader?: string | null; members?: number; electionMessages?: number }) => {
      if (m.kind === 'ready') {
        peer.peerId = m.peerId as string;
        peer.addr = m.addr as string;
        resolve(peer);
      } else if (m.kind === 'state') {
        if (m.leader !== peer.leader) peer.leaderAtMs = m.atMs as number;
        peer.leader = m.leader ?? null;
        peer.members = m.members as number;
        peer.electionMessages = m.electionMessages as number;
      }
    });
    worker.once('error', reject);
  });
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return check();
}

const agreed = (peers: PeerThread[], leaderId: string) => peers.every((p) => p.leader === leaderId);
const sumMessages = (peers: PeerThread[]) => peers.reduce((sum, p) => sum + p.electionMessages, 0);

async function benchSize(n: number): Promise<{ times: number[]; messages: number[] }> {
  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'firefly-bench-election-'));
  const peers: PeerThread[] = [await startPeer(0, [], dataRoot)];
  const seed = (peers[0] as PeerThread).addr;
  peers.push(...(await Promise.all(Array.from({ length: n - 1 }, (_, i) => startPeer(i + 1, [seed], dataRoot)))));
  const times: number[] = [];
  const messages: number[] = [];
  try {
    for (let run = 0; run < Math.min(runs, n - 1); run++) {
      // The current leader is the highest live peer (the last one); killing it must hand over to the next.
      const leader = peers[peers.length - 1] as PeerThread;
      const settled = await waitFor(() => agreed(peers, leader.peerId) && peers.every((p) => p.members === peers.length - 1), 60_000 + n * 5_000);
      if (!settled) throw new Error(`N=${n}: the room did not settle on its highest peer`);
      // Let a few heartbeats pass so that every follower has heard the leader recently.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const survivors = peers.slice(0, -1);
      const next = survivors[survivors.length - 1] as PeerThread;
      const before = sumMessages(survivors);
      const killedAtMs = performance.timeOrigin + performance.now();
      // A crash: the thread dies with its node; no leave message, sockets just close.
      await leader.worker.terminate();
      peers.pop();
      if (!(await waitFor(() => agreed(survivors, next.peerId), 30_000))) throw new Error(`N=${n}: survivors did not agree`);
      times.push(Math.max(...survivors.map((p) => p.leaderAtMs)) - killedAtMs);
      // Count what the election sent until things are quiet again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      messages.push(sumMessages(survivors) - before);
    }
  } finally {
    await Promise.all(peers.map((p) => p.worker.terminate()));
    rmSync(dataRoot, { recursive: true, force: true });
  }
  return { times, messages };
}

async function main(): Promise<void> {
  const t = defaultElectionTimings;
  console.log(
    `# Election failover: heartbeat ${t.heartbeatMs} ms, leader timeout ${t.leaderTimeoutMs} ms, answer timeout ${t.answerTimeoutMs} ms, ` +
      `member timeout ${defaultMembershipTimings.memberTimeoutMs} ms; ${os.cpus().length} cores`,
  );
  console.log('| N | kills | median ms | p95 ms | election msgs per failover (median) | target |');
  console.log('|---|---|---|---|---|---|');
  for (const n of sizes) {
    let result: { times: number[]; messages: number[] };
    try {
      result = await benchSize(n);
    } catch (error) {
      // Each peer is a whole libp2p node: past a point this machine has too few cores to run them all on time.
      console.log(`| ${n} | 0 | – | – | – | ${(error as Error).message} (${os.cpus().length} cores for ${n} nodes) |`);
      continue;
    }
    const { times, messages } = result;
    const median = quantile(times, 0.5);
    const target = n === 16 ? `median ≤ 1500 ms: ${verdict(median <= 1500)}` : '';
    console.log(`| ${n} | ${times.length} | ${median.toFixed(0)} | ${quantile(times, 0.95).toFixed(0)} | ${quantile(messages, 0.5).toFixed(0)} | ${target} |`);
  }
}

await main();
process.exit(0);
