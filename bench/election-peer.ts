/** One election benchmark peer in a worker thread: a real libp2p node with the room service; reports leader changes. */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeControl, encodeControl, type ControlMessage } from '../src/shared/protocol';
import { ControlChannel } from '../src/main/net/control-channel';
import { createPeerNode } from '../src/main/net/node';
import { deriveRoom } from '../src/main/net/room';
import { RoomService } from '../src/main/room/room-service';

interface PeerData {
  index: number;
  dataDir: string;
  bootstrap: string[];
}

const { index, dataDir, bootstrap } = workerData as PeerData;
const port = parentPort;
if (!port) throw new Error('election-peer runs in a worker thread');

const room = await deriveRoom('bench-election');
const node = await createPeerNode({ room, dataDir, listenHost: '127.0.0.1', bootstrap, mdns: false });
const control = new ControlChannel<ControlMessage>(
  { pubsub: node.pubsub, logger: { info: () => undefined, warn: () => undefined } },
  { topic: room.controlTopic, decode: (bytes, from) => decodeControl(bytes, from), encode: encodeControl },
);
control.start();
let electionMessages = 0;
const counting = {
  publish: (message: ControlMessage) => {
    if (message.type === 'election' || message.type === 'answer' || message.type === 'coordinator') electionMessages++;
    return control.publish(message);
  },
  onMessage: control.onMessage.bind(control),
};
const service = new RoomService({ control: counting }, { self: { peerId: node.peerId, name: `p${index}`, priority: index, addrs: node.listenAddrs() } });
// Wall-clock milliseconds with sub-ms precision, comparable across threads.
const now = () => performance.timeOrigin + performance.now();
const report = () =>
  port.postMessage({ kind: 'state', atMs: now(), leader: service.leader()?.peerId ?? null, members: service.members().length, electionMessages });
service.events.on('leader:changed', report);
service.events.on('member:joined', report);
service.events.on('member:left', report);
await service.start();
port.postMessage({ kind: 'ready', peerId: node.peerId, addr: node.listenAddrs()[0] });
report();
