/**
 * Floods of bad bytes on the stream protocols, sent to a real headless peer by a raw libp2p node
 * of the same room (#24): each stream ends at its first malformed frame and is counted once, a
 * peer that keeps opening bad streams is benched on every protocol, the flood costs little CPU,
 * and the peer stays well.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { getStatus } from './support/status';
import { createPeerNode, type PeerNode } from '../src/main/net/node';
import { deriveRoom } from '../src/main/net/room';

let peers: TestPeer[] = [];
let raw: PeerNode | null = null;
let rawDir = '';
afterEach(async () => {
  await raw?.stop();
  raw = null;
  if (rawDir) rmSync(rawDir, { recursive: true, force: true });
  await stopPeers(peers);
  peers = [];
});

/** CPU time (user + system) a process has used, in seconds, from /proc. */
function cpuSec(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Sends `bytes` on a new stream of `protocol` and waits for the peer to end the stream. */
async function flood(node: PeerNode, to: string, protocol: string, bytes: Uint8Array): Promise<void> {
  const stream = await node.libp2p.dialProtocol(peerIdFromString(to), protocol, {
    signal: AbortSignal.timeout(10_000),
  });
  const ended = new Promise<void>((resolve) =>
    stream.addEventListener('close', () => resolve(), { once: true }),
  );
  stream.send(bytes);
  await Promise.race([
    ended,
    new Promise((_, reject) => setTimeout(() => reject(new Error('stream not ended')), 20_000)),
  ]);
}

describe('floods of bad frames on stream protocols', () => {
  it('ends each stream at its first bad frame, benches the sender, and costs little CPU', async () => {
    const a = await launchPeer({ name: 'a' });
    peers = [a];
    const room = await deriveRoom('firefly');
    rawDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-raw-'));
    raw = await createPeerNode({
      room,
      dataDir: rawDir,
      listenHost: '127.0.0.1',
      port: 0,
      mdns: false,
      bootstrap: [a.addrs[0] as string],
    });
    const node = raw;
    await expect.poll(() => node.connectedPeers(), { timeout: 30_000 }).toContain(a.peerId);
    const pid = a.process.pid as number;

    // 5 MiB of zero bytes is five million empty clock frames; before #24 they cost 10 s of CPU.
    const before = cpuSec(pid);
    await flood(node, a.peerId, node.protocolId('clock'), new Uint8Array(5 * 1024 * 1024));
    const spentSec = cpuSec(pid) - before;
    console.log(`5 MiB of zeros on a clock stream cost the peer ${spentSec.toFixed(2)} s of CPU`);
    expect(spentSec).toBeLessThan(2);
    expect((await getStatus(a.ui)).dropped['clock.malformedProbes']).toBe(1);

    // Two more bad streams, on other protocols, bench the sender on all of them.
    await flood(node, a.peerId, node.protocolId('catalog'), Uint8Array.of(3, 1, 2, 3));
    await flood(node, a.peerId, node.protocolId('chunks'), Uint8Array.of(3, 0xff, 0xff, 0xff));
    for (const protocol of ['clock', 'catalog', 'chunks']) {
      await flood(node, a.peerId, node.protocolId(protocol), new Uint8Array(64 * 1024)).catch(
        () => undefined,
      );
    }
    const status = await getStatus(a.ui);
    expect(status.dropped).toMatchObject({
      'clock.malformedProbes': 1,
      'catalog.malformedRequest': 1,
      'chunks.malformedRequest': 1,
      'streams.strikes': 3,
      'streams.benched': 1,
      'streams.benchedPeers': 1,
    });
    expect(status.dropped['streams.refusedStreams']).toBeGreaterThanOrEqual(1);
    expect((await apiFetch(a.ui, '/api/status')).status).toBe(200);
  });
});
