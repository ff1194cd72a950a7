/**
 * A peer with mDNS on and no bootstrap list, for discovery tests inside a network namespace
 * (never the root one). Prints one JSON line per event: ready, connected, disconnected.
 * Usage: tsx mdns-peer.ts <dataDir> [roomPassphrase]
 */
import { createPeerNode } from '../node';
import { deriveRoom } from '../room';

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write('usage: mdns-peer.ts <dataDir> [roomPassphrase]\n');
  process.exit(2);
}
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const node = await createPeerNode({
  room: await deriveRoom(process.argv[3]),
  dataDir,
  listenHost: '127.0.0.1',
  port: 0,
  mdns: true,
  mdnsIntervalMs: 1_000,
});
node.on('peer:connected', ({ peerId }) => print({ event: 'connected', peerId }));
node.on('peer:disconnected', ({ peerId }) => print({ event: 'disconnected', peerId }));
print({ event: 'ready', peerId: node.peerId, addrs: node.listenAddrs() });

const shutdown = (): void => {
  void node.stop().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The test closes stdin to stop us, which also works when signals can't cross `ip netns exec`.
process.stdin.on('end', shutdown);
process.stdin.resume();
