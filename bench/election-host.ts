/**
 * One host thread of the election benchmark: runs several peers, each a whole libp2p node (TCP,
 * pnet, Noise, Yamux, gossipsub) with its own room service, and reports their leader changes.
 *
 * Several peers share a thread (and its JIT-compiled code) so that 32 of them fit on a small
 * machine; each still has its own sockets, keys and timers, and talks to the others only over
 * loopback TCP. A "kill" is a crash: the peer's messages stop at once (no leave message) and its
 * node closes its connections, as when a process dies.
 */
import { parentPort } from 'node:worker_threads';
import path from 'node:path';
import { decodeControl, encodeControl, type ControlMessage } from '../src/shared/protocol';
import { ControlChannel } from '../src/main/net/control-channel';
import { createPeerNode } from '../src/main/net/node';
import { deriveRoom } from '../src/main/net/room';
import { keepMemberLinks } from '../src/main/room/member-links';
import { RoomService } from '../src/main/room/room-service';
import { silentLogger } from '../src/shared/logger';

/** Main thread → host. */
export type HostCommand =
  | { kind: 'start'; index: number; dataRoot: string; bootstrap: string[] }
  | { kind: 'kill'; index: number }
  | { kind: 'cpu' };

/** Host → main thread. */
export type HostReport =
  | { kind: 'ready'; index: number; peerId: string; addr: string }
  | {
      kind: 'state';
      index: number;
      atMs: number;
      leader: string | null;
      members: number;
      electionMessages: number;
      /** Open connections and control-topic peers, for a report on a room that does not settle. */
      connections: number;
      topicPeers: number;
    }
  | { kind: 'failed'; index: number; error: string }
  /** CPU time this thread has used so far (user + system). */
  | { kind: 'cpu'; usedUs: number };

const port = parentPort;
if (!port) throw new Error('election-host runs in a worker thread');

interface HostedPeer {
  crash(): Promise<void>;
}

const peers = new Map<number, HostedPeer>();

// FIREFLY_BENCH_PROFILE=<folder>: each host thread writes a CPU profile of FIREFLY_BENCH_PROFILE_SEC seconds,
// from FIREFLY_BENCH_PROFILE_AFTER_SEC seconds after it started.
const profileDir = process.env.FIREFLY_BENCH_PROFILE;
if (profileDir) {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const { threadId } = await import('node:worker_threads');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await new Promise((resolve) =>
    setTimeout(resolve, Number(process.env.FIREFLY_BENCH_PROFILE_AFTER_SEC ?? 0) * 1000),
  );
  await session.post('Profiler.start');
  setTimeout(
    () => {
      void session.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(path.join(profileDir, `host-${threadId}.cpuprofile`), JSON.stringify(profile));
      });
    },
    Number(process.env.FIREFLY_BENCH_PROFILE_SEC ?? 40) * 1000,
  );
}
const room = await deriveRoom('bench-election');
// Wall-clock milliseconds with sub-ms precision, comparable across threads.
const now = () => performance.timeOrigin + performance.now();

async function startPeer(index: number, dataRoot: string, bootstrap: string[]): Promise<void> {
  const node = await createPeerNode({
    room,
    dataDir: path.join(dataRoot, `p${index}`),
    listenHost: '127.0.0.1',
    bootstrap,
    mdns: false,
  });
  const control = new ControlChannel<ControlMessage>(
    { pubsub: node.pubsub, logger: silentLogger },
    { topic: room.controlTopic, decode: (bytes, from) => decodeControl(bytes, from), encode: encodeControl },
  );
  control.start();
  let electionMessages = 0;
  let dead = false;
  const counting = {
    publish: async (message: ControlMessage) => {
      if (dead) return;
      if (message.type === 'election' || message.type === 'answer' || message.type === 'coordinator')
        electionMessages++;
      return control.publish(message);
    },
    on: control.on.bind(control),
  };
  const service = new RoomService(
    { control: counting },
    { self: { peerId: node.peerId, name: `p${index}`, priority: index, addrs: node.listenAddrs() } },
  );
  const report = () => {
    if (dead) return;
    const message: HostReport = {
      kind: 'state',
      index,
      atMs: now(),
      leader: service.leader()?.peerId ?? null,
      members: service.members().length,
      electionMessages,
      connections: node.connectedPeers().length,
      topicPeers: node.pubsub.getSubscribers(room.controlTopic).length,
    };
    port!.postMessage(message);
  };
  service.events.on('leader:changed', report);
  service.events.on('member:joined', report);
  service.events.on('member:left', report);
  await service.start();
  const stopLinks = keepMemberLinks(node, service);
  const refresh = setInterval(report, 2000);
  peers.set(index, {
    crash: async () => {
      dead = true;
      clearInterval(refresh);
      stopLinks();
      await node.stop();
      await service.stop();
    },
  });
  port!.postMessage({
    kind: 'ready',
    index,
    peerId: node.peerId,
    addr: node.listenAddrs()[0]!,
  } satisfies HostReport);
  report();
}

port.on('message', (command: HostCommand) => {
  if (command.kind === 'start') {
    startPeer(command.index, command.dataRoot, command.bootstrap).catch((error: unknown) =>
      port.postMessage({ kind: 'failed', index: command.index, error: String(error) } satisfies HostReport),
    );
  } else if (command.kind === 'cpu') {
    const { user, system } = process.threadCpuUsage();
    port.postMessage({ kind: 'cpu', usedUs: user + system } satisfies HostReport);
  } else {
    const peer = peers.get(command.index);
    peers.delete(command.index);
    void peer?.crash();
  }
});
