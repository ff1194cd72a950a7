/**
 * ProtocolHandle between two real libp2p nodes on loopback: streams are served while started (once per
 * start, however often start is called), `stop` ends the open ones and unregisters, a benched peer's
 * streams are reset unserved, and a failed unregister is told to `onUnhandleError`.
 */
import { lpStream } from '@libp2p/utils';
import { peerIdFromString } from '@libp2p/peer-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerNode } from './node';
import { ProtocolHandle } from './protocol-handle';
import { deriveRoom } from './room';
import { StreamGuard } from './stream-guard';
import { TestNet, portOf, waitFor } from './testing/helpers';

const net = new TestNet();
let server: PeerNode;
let client: PeerNode;
beforeAll(async () => {
  const room = await deriveRoom('protocol-handle-test');
  server = await net.node({ room });
  client = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(server)}`] });
  await waitFor(() => client.connectedPeers().includes(server.peerId), 'the client connected');
});
afterAll(() => net.cleanup());

/** Opens a stream to the server and returns the first frame it answers, or the error it failed with. */
async function ask(protocol: string): Promise<string> {
  try {
    const stream = await client.libp2p.dialProtocol(peerIdFromString(server.peerId), protocol);
    const lp = lpStream(stream);
    await lp.write(new TextEncoder().encode('ping'));
    const reply = await lp.read({ signal: AbortSignal.timeout(3000) });
    return new TextDecoder().decode(reply.subarray());
  } catch (error) {
    return `error: ${(error as Error).name}`;
  }
}

describe('ProtocolHandle', () => {
  it('serves while started, once per start, and unregisters on stop', async () => {
    const protocol = server.protocolId('handle-echo');
    const signals: AbortSignal[] = [];
    const handle = new ProtocolHandle(server.libp2p, {
      protocol,
      guard: new StreamGuard(),
      serve: async (stream, _connection, signal) => {
        signals.push(signal);
        const lp = lpStream(stream);
        const got = await lp.read();
        await lp.write(new TextEncoder().encode(`echo ${new TextDecoder().decode(got.subarray())}`));
        await stream.close();
      },
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    expect(handle.started).toBe(false);
    expect(await ask(protocol)).toMatch(/^error: /);

    const first = await handle.start();
    expect(first).toBeInstanceOf(AbortSignal);
    expect(await handle.start()).toBeNull();
    expect(handle.signal).toBe(first);
    expect(await ask(protocol)).toBe('echo ping');
    expect(signals).toEqual([first]);

    expect(await handle.stop()).toBe(true);
    expect(first!.aborted).toBe(true);
    expect(handle.signal).toBeNull();
    expect(await handle.stop()).toBe(false);
    expect(await ask(protocol)).toMatch(/^error: /);

    // Started again: a new signal, served again.
    const second = await handle.start();
    expect(second).not.toBe(first);
    expect(await ask(protocol)).toBe('echo ping');
    await handle.stop();
  });

  it('ends open streams on stop', async () => {
    const protocol = server.protocolId('handle-hold');
    let served = 0;
    const handle = new ProtocolHandle(server.libp2p, {
      protocol,
      guard: new StreamGuard(),
      serve: (stream, _connection, signal) => {
        served++;
        signal.addEventListener('abort', () => stream.abort(new Error('stopped')), { once: true });
      },
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    await handle.start();
    const stream = await client.libp2p.dialProtocol(peerIdFromString(server.peerId), protocol);
    const lp = lpStream(stream);
    await lp.write(new TextEncoder().encode('hold'));
    await waitFor(() => served === 1, 'the server took the stream');
    const read = lp.read({ signal: AbortSignal.timeout(5000) }).then(
      () => 'frame',
      (error: unknown) => `error: ${(error as Error).name}`,
    );
    await handle.stop();
    // The server's side was reset: the read ends with an error, not the 5 s timeout.
    const outcome = await read;
    expect(outcome).toMatch(/^error: /);
    expect(outcome).not.toBe('error: TimeoutError');
  });

  it("resets a benched peer's streams unserved", async () => {
    const protocol = server.protocolId('handle-bench');
    const guard = new StreamGuard({ maxStrikes: 1 });
    let served = 0;
    const handle = new ProtocolHandle(server.libp2p, {
      protocol,
      guard,
      serve: () => {
        served++;
      },
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    await handle.start();
    guard.strike(client.peerId);
    expect(await ask(protocol)).toMatch(/^error: /);
    expect(served).toBe(0);
    expect(guard.stats().refusedStreams).toBe(1);
    await handle.stop();
  });

  it('tells onUnhandleError when unregistering fails, and still counts as stopped', async () => {
    const errors: unknown[] = [];
    const registrar = {
      handle: () => Promise.resolve(),
      unhandle: () => Promise.reject(new Error('node stopping')),
    };
    const handle = new ProtocolHandle(registrar, {
      protocol: '/test/1.0.0',
      guard: new StreamGuard(),
      serve: () => undefined,
      maxInboundStreams: 1,
      maxOutboundStreams: 1,
      onUnhandleError: (e) => errors.push(e),
    });
    await handle.start();
    expect(await handle.stop()).toBe(true);
    expect(handle.started).toBe(false);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('node stopping');
  });
});
