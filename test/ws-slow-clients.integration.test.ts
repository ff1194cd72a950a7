/**
 * WebSocket clients that stop reading, against a real headless peer (#24): thirty clients that
 * complete the handshake with the API token and then read nothing are cut by the ping timeout
 * (no pong within two ping periods, 30 s at most), while a window that reads stays connected
 * and keeps getting its events. Before #24 such clients stayed forever and their queues grew
 * (200 of them: 121 MB in 2 minutes).
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { launchPeer, stopPeers, type TestPeer } from './support/peers';

let peers: TestPeer[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await stopPeers(peers);
  peers = [];
});

/** Opens the bridge WebSocket by hand and then never reads again. */
async function aNonReadingClient(peer: TestPeer): Promise<net.Socket> {
  const { hostname, port } = new URL(peer.ui);
  const socket = net.connect(Number(port), hostname);
  sockets.push(socket);
  await once(socket, 'connect');
  socket.write(
    [
      'GET /bridge HTTP/1.1',
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Protocol: firefly, firefly-token.${peer.token}`,
      '',
      '',
    ].join('\r\n'),
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(head.toString()).toMatch(/^HTTP\/1.1 101/);
  socket.pause();
  return socket;
}

describe('WebSocket clients that stop reading', () => {
  it('are cut by the ping timeout while a reading window stays', async () => {
    const peer = await launchPeer({ name: 'ws' });
    peers = [peer];
    const stalled = await Promise.all(Array.from({ length: 30 }, () => aNonReadingClient(peer)));
    const reader = new WebSocket(`${peer.ui.replace('http', 'ws')}/bridge`, [
      'firefly',
      `firefly-token.${peer.token}`,
    ]);
    await once(reader, 'open');
    let readerClosed = false;
    let events = 0;
    reader.on('close', () => (readerClosed = true));
    reader.on('message', () => events++);

    // Two ping periods (15 s each) and some slack.
    await new Promise((resolve) => setTimeout(resolve, 40_000));
    // Reading now drains what the peer sent and then finds the end the peer already made; a
    // connection the peer had kept would stay open well past these few seconds.
    const closedSoon = stalled.map(
      (socket) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 3000);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve(true);
          });
          socket.resume();
        }),
    );
    expect(await Promise.all(closedSoon)).toEqual(Array(30).fill(true));
    expect(readerClosed).toBe(false);
    expect(events).toBeGreaterThan(0);
    reader.close();
  }, 120_000);
});
