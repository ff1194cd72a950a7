/**
 * `npm run bench:election`: for N = 3, 8, 16, 32 peers (real libp2p nodes on loopback, one process), the time from killing
 * the leader to every survivor agreeing on the new one, and the election messages sent for it, with the default timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultElectionTimings } from '../src/shared/election';
import { decodeControl, encodeControl, type ControlMessage } from '../src/shared/protocol';
import { ControlChannel } from '../src/main/net/control-channel';
import { createPeerNode, type PeerNode } from '../src/main/net/node';
import { deriveRoom } from '../src/main/net/room';
import { RoomService } from '../src/main/room/room-service';
import { quantile, verdict } from './stats';

interface BenchPeer {
  node: PeerNode;
  control: ControlChannel<ControlMessage>;
  room: RoomService;
  sent: Map<string, number>;
}

const sizes = (process.env.FIREFLY_BENCH_SIZES ?? '3,8,16,32').split(',').map(Number);
const runs = Number(process.env.FIREFLY_BENCH_RUNS ?? 5);

async function startPeer(index: number, bootstrap: string[], dataRoot: string): Promise<BenchPeer> {
  const room = await deriveRoom('bench-election');
  const node = await createPeerNode({ room, dataDir: path.join(dataRoot, `p${index}`), listenHost: '127.0.0.1', bootstrap, mdns: false });
  const control = new ControlChannel<ControlMessage>(
    { pubsub: node.pubsub, logger: { info: () => undefined, warn: () => undefined } },
    { topic: room.controlTopic, decode: (bytes, from) => decodeControl(bytes, from), encode: encodeControl },
  );
  control.start();
  const sent = new Map<string, number>();
  const counting = {
    publish: (message: ControlMessage) => {
      sent.set(message.type, (sent.get(message.type) ?? 0) + 1);
      return control.publish(message);
    },
    onMessage: control.onMessage.bind(control),
  };
  const roomService = new RoomService({ control: counting }, { self: { peerId: node.peerId, name: `p${index}`, priority: index, addrs: node.listenAddrs() } });
  await roomService.start();
  return { node, control, room: roomService, sent };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return check();
}

const agreed = (peers: BenchPeer[], leaderId: string) => peers.every((p) => p.room.leader()?.peerId === leaderId);
const electionMessages = (peers: BenchPeer[]) =>
  peers.reduce((sum, p) => sum + (p.sent.get('election') ?? 0) + (p.sent.get('answer') ?? 0) + (p.sent.get('coordinator') ?? 0), 0);

async function benchSize(n: number): Promise<{ times: number[]; messages: number[] }> {
  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'firefly-bench-election-'));
  const first = await startPeer(0, [], dataRoot);
  const seed = first.node.listenAddrs()[0] as string;
  const peers = [first];
  for (let i = 1; i < n; i++) peers.push(await startPeer(i, [seed], dataRoot));
  const times: number[] = [];
  const messages: number[] = [];
  try {
    // Each run kills the current leader (the highest live peer); the next highest must take over.
    for (let run = 0; run < Math.min(runs, n - 1); run++) {
      const expected = peers[peers.length - 1] as BenchPeer;
      if (!(await waitFor(() => agreed(peers, expected.node.peerId) && peers.every((p) => p.room.members().length === peers.length - 1), 60_000))) {
        const view = peers.map((p) => `${p.room.leader()?.peerId.slice(-4) ?? '-'}/${p.room.members().length}/${p.node.connectedPeers().length}/${JSON.stringify(p.control.counts())}/${p.node.pubsub.getSubscribers(p.node.room.controlTopic).length}`);
        throw new Error(`N=${n}: room did not settle on ${expected.node.peerId.slice(-4)} (leader/members/connections: ${view.join(' ')})`);
      }
      const survivors = peers.slice(0, -1);
      const next = survivors[survivors.length - 1] as BenchPeer;
      const before = electionMessages(survivors);
      const killedAt = performance.now();
      // A crash: connections just drop and no leave message gets out (the room stops after its node).
      await expected.node.stop();
      await expected.room.stop().catch(() => undefined);
      peers.pop();
      const trace: string[] = [];
      if (process.env.FIREFLY_BENCH_TRACE) {
        for (const [i, p] of survivors.entries()) {
          p.room.events.on('leader:changed', (l) => trace.push(`${(performance.now() - killedAt).toFixed(0)}ms p${i} -> ${l ? `${l.peerId.slice(-4)}@${l.epoch}` : 'none'}`));
        }
      }
      if (!(await waitFor(() => agreed(survivors, next.node.peerId), 30_000))) throw new Error(`N=${n}: survivors did not agree`);
      if (process.env.FIREFLY_BENCH_TRACE) console.log(trace.join('\n'));
      times.push(performance.now() - killedAt);
      messages.push(electionMessages(survivors) - before);
    }
  } finally {
    await Promise.all(peers.map(async (p) => {
      await p.room.stop();
      p.control.stop();
      await p.node.stop();
    }));
    rmSync(dataRoot, { recursive: true, force: true });
  }
  return { times, messages };
}

async function main(): Promise<void> {
  const t = defaultElectionTimings;
  console.log(`# Election failover (heartbeat ${t.heartbeatMs} ms, leader timeout ${t.leaderTimeoutMs} ms, answer timeout ${t.answerTimeoutMs} ms)`);
  console.log('| N | runs | median ms | p95 ms | election msgs/run (median) | target |');
  console.log('|---|---|---|---|---|---|');
  for (const n of sizes) {
    const { times, messages } = await benchSize(n);
    const median = quantile(times, 0.5);
    const target = n === 16 ? `median ≤ 1500 ms: ${verdict(median <= 1500)}` : '';
    console.log(`| ${n} | ${times.length} | ${median.toFixed(0)} | ${quantile(times, 0.95).toFixed(0)} | ${quantile(messages, 0.5).toFixed(0)} | ${target} |`);
  }
}

await main();
process.exit(0);
