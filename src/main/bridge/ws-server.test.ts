/**
 * The WebSocket bridge's send path under clients that stop reading (#24), over real sockets on
 * loopback: a client whose queue passes the cap is dropped with its close code while a reading
 * client gets every event, and a client that answers no ping is cut.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import type { PeerStatus } from '../../shared/status';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import { serveBridge } from './testing/serve-bridge';
import { WS_CLOSE_TOO_SLOW, WsBridge, type WsBridgeInit } from './ws-server';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function aBridge(init: WsBridgeInit) {
  const events = new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test'));
  const connected = { count: 0 };
  const bridge = new WsBridge(
    { handlers: {} as BridgeHandlers, events, onClients: (count) => (connected.count = count) },
    init,
  );
  const { port, stop } = await serveBridge(bridge);
  cleanup.push(stop);
  return { bridge, events, connected, port };
}

/** A client that completes the WebSocket handshake and then never reads another byte. */
async function aNonReadingClient(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  cleanup.push(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(
    [
      'GET / HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: firefly',
      '',
      '',
    ].join('\r\n'),
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(head.toString()).toMatch(/^HTTP\/1.1 101/);
  socket.pause();
  return socket;
}

async function aReadingClient(port: number): Promise<WebSocket> {
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, ['firefly']);
  cleanup.push(() => client.terminate());
  await once(client, 'open');
  return client;
}

describe('WsBridge send path', () => {
  it('drops clients that stop reading once their queue passes the cap, and keeps serving the others', async () => {
    const maxQueuedBytes = 1024 * 1024;
    const { bridge, events, connected, port } = await aBridge({
      maxQueuedBytes,
      pingIntervalMs: 60_000,
      closeGraceMs: 200,
    });
    const stalled = await Promise.all(Array.from({ length: 20 }, () => aNonReadingClient(port)));
    const reader = await aReadingClient(port);
    let received = 0;
    reader.on('message', () => received++);
    const readerClosed = new Promise((resolve) => reader.once('close', resolve));

    // 200 events of 64 KiB: 12.5 MiB each client would hold without a cap, 250 MiB in all.
    const payload = { log: ['x'.repeat(64 * 1024)] } as unknown as PeerStatus;
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 200; i++) {
      events.emit('status:changed', payload);
      // Let the sockets drain between events, as they would between real status pushes.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect.poll(() => received, { timeout: 20_000 }).toBe(200);
    // The stalled clients read nothing, so only the server side sees them go.
    await expect.poll(() => connected.count, { timeout: 10_000 }).toBe(1);
    expect(stalled).toHaveLength(20);
    expect(bridge.stats().tooSlow).toBe(20);
    const growthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    console.log(`rss grew ${growthMb.toFixed(1)} MB while 20 stalled clients were sent 250 MiB`);
    expect(growthMb).toBeLessThan(150);
    expect(await Promise.race([readerClosed.then(() => 'closed'), Promise.resolve('open')])).toBe('open');
  });

  it('tells a slow client that reads late why it was dropped', async () => {
    const { events, port } = await aBridge({
      maxQueuedBytes: 256 * 1024,
      pingIntervalMs: 60_000,
      closeGraceMs: 5000,
    });
    const client = await aReadingClient(port);
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    // Stop reading while the queue fills, then read again: the close frame is there to read.
    (client as unknown as { _socket: net.Socket })._socket.pause();
    const payload = { log: ['y'.repeat(64 * 1024)] } as unknown as PeerStatus;
    for (let i = 0; i < 200; i++) {
      events.emit('status:changed', payload);
      await new Promise((resolve) => setImmediate(resolve));
    }
    (client as unknown as { _socket: net.Socket })._socket.resume();
    expect(await closed).toBe(WS_CLOSE_TOO_SLOW);
  });

  it('cuts a client that answers no ping, and keeps one that does', async () => {
    const { bridge, connected, port } = await aBridge({ pingIntervalMs: 200, closeGraceMs: 100 });
    await aNonReadingClient(port);
    const reader = await aReadingClient(port);
    let readerClosed = false;
    reader.once('close', () => (readerClosed = true));
    await expect.poll(() => connected.count, { timeout: 10_000 }).toBe(1);
    expect(bridge.stats().pingTimeouts).toBe(1);
    // Several more ping periods: the answering client stays.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(readerClosed).toBe(false);
    expect(bridge.stats().pingTimeouts).toBe(1);
  });
});

describe('WsBridge request frames', () => {
  it('answers a malformed frame with a clear error, counts it, and keeps the connection', async () => {
    const { bridge, port } = await aBridge({});
    const client = await aReadingClient(port);
    const answers: { id: unknown; ok: boolean; error?: string }[] = [];
    client.on('message', (data) => answers.push(JSON.parse(String(data)) as (typeof answers)[number]));
    const frames = ['this is not JSON {', '[]', 'null', '{"id":"1","channel":"status:get"}', '{"id":1.5}'];
    for (const frame of frames) client.send(frame);
    await expect.poll(() => answers.length).toBe(frames.length);
    expect(answers.map((a) => a.ok)).toEqual(frames.map(() => false));
    expect(answers[0]!.error).toBe('frame is not JSON');
    expect(answers[1]!.error).toMatch(/^bad frame: expected an object/);
    expect(answers[3]!.error).toMatch(/^bad frame: id: expected an integer/);
    expect(bridge.rejected).toBe(frames.length);
    expect(client.readyState).toBe(WebSocket.OPEN);
  });
});
