/**
 * Bad input on the control topic, sent to a real headless peer by a raw libp2p node of the same room: every kind of
 * invalid message is dropped and counted by reason in /api/status, unknown newer messages are set aside (counted,
 * not refused), and the peer stays well and in its room.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { agreeOnLeader, getStatus, waitForStatuses } from './support/status';
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

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('control topic input from a peer', () => {
  it('drops and counts invalid messages by reason, sets aside unknown newer ones, and keeps running', async () => {
    const a = await launchPeer({ name: 'a', args: ['--priority', '5'] });
    const b = await launchPeer({ name: 'b', args: ['--bootstrap', a.addrs[0] as string] });
    peers = [a, b];
    await waitForStatuses(
      [a.ui, b.ui],
      (s) => agreeOnLeader(s, a.peerId) && s.every((x) => x.members.length === 1),
      { what: 'a room of two' },
    );

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
    const pubsub = raw.pubsub;
    pubsub.subscribe(room.controlTopic);
    await expect
      .poll(() => pubsub.getSubscribers(room.controlTopic).map(String), { timeout: 30_000 })
      .toContain(a.peerId);

    const from = raw.peerId;
    const envelope = { v: 1, from, epoch: 0, seq: Date.now() * 1000 };
    const inputs: [string, Uint8Array][] = [
      ['malformed', bytes('this is not JSON {')],
      ['badField', bytes({ ...envelope, type: 'heartbeat', name: 42 })],
      ['spoofedSender', bytes({ ...envelope, from: b.peerId, type: 'leave' })],
      ['unknownType', bytes({ ...envelope, type: 'telepathy' })],
      ['newerVersion', bytes({ ...envelope, v: 99, type: 'heartbeat' })],
    ];
    for (const [, data] of inputs) await pubsub.publish(room.controlTopic, data);

    const expected = Object.fromEntries(inputs.map(([reason]) => [`control.${reason}`, 1]));
    await expect
      .poll(async () => (await getStatus(a.ui)).dropped, { timeout: 15_000 })
      .toMatchObject(expected);
    // Still well: the same leader, b still a member, and the raw node's leave in b's name changed nothing.
    const after = await getStatus(a.ui);
    expect(after.leader?.peerId).toBe(a.peerId);
    expect(after.members.map((m) => m.peerId)).toContain(b.peerId);
    expect(after.log.filter((line) => line.includes('left') && line.includes(b.peerId))).toEqual([]);
    const reply = await apiFetch(a.ui, '/api/status');
    expect(reply.status).toBe(200);
  });
});
