/**
 * The live protocol between two real libp2p nodes on loopback: a LiveServer streams a feed to a
 * LiveRelay, which fans it out; a source peer that sends a malformed frame has its stream closed
 * and counted, and no listener sees the bad frame.
 */
import { lpStream } from '@libp2p/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLiveFrame, encodePcmFrame, encodeStallFrame } from '../../shared/live/frames';
import type { PeerNode } from '../net/node';
import { deriveRoom, type Room } from '../net/room';
import { TestNet, portOf, waitFor } from '../net/testing/helpers';
import { FrameFeed } from './frame-feed';
import { LiveRelay } from './live-relay';
import { LiveServer } from './live-server';

const net = new TestNet();
let room: Room;
let source: PeerNode;
let member: PeerNode;
beforeAll(async () => {
  room = await deriveRoom('live-wire-test');
  source = await net.node({ room });
  member = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(source)}`] });
  await waitFor(() => member.connectedPeers().includes(source.peerId), 'the member connected');
});
afterAll(() => net.cleanup());

async function collect(frames: AsyncGenerator<Uint8Array>, count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of frames) {
    out.push(f);
    if (out.length === count) break;
  }
  return out;
}

describe('the live protocol', () => {
  it('streams a source to two windows of a member over one libp2p stream', async () => {
    const feed = new FrameFeed();
    const server = new LiveServer({ node: source, feed: (id) => (id === 'line-in' ? feed : null) });
    await server.start();
    const relay = new LiveRelay({ node: member, protocol: server.protocol });
    const windows = new AbortController();
    const first = collect(relay.listen(source.peerId, 'line-in', windows.signal), 2);
    const second = collect(relay.listen(source.peerId, 'line-in', windows.signal), 2);
    await waitFor(() => server.stats().listeners === 1, 'one stream for both windows');
    const pcm = encodePcmFrame(1234.5, 48000, Int16Array.from([1, 2, 3, 4]));
    feed.publish(pcm);
    feed.publish(encodeStallFrame(1234.5 + 2000 / 48));
    const [a, b] = await Promise.all([first, second]);
    expect(a?.map((f) => Array.from(f))).toEqual(b?.map((f) => Array.from(f)));
    expect(decodeLiveFrame(a?.[0] as Uint8Array)).toMatchObject({
      ok: true,
      value: { type: 'pcm', groupMs: 1234.5 },
    });
    expect(server.stats().bytesSentTo[member.peerId]).toBeGreaterThan(pcm.length);
    windows.abort();
    relay.stop();
    await server.stop();
  });

  it('closes and counts a stream from a source peer that sends a malformed frame', async () => {
    const protocol = source.protocolId('live-bad');
    let served = 0;
    await source.libp2p.handle(protocol, async (stream) => {
      served++;
      const lp = lpStream(stream);
      await lp.read();
      await lp.write(encodePcmFrame(1, 48000, new Int16Array(4)));
      // A PCM header that claims more frames than it carries.
      const bad = encodePcmFrame(2, 48000, new Int16Array(4));
      new DataView(bad.buffer).setUint32(13, 5000, true);
      await lp.write(bad);
    });
    const relay = new LiveRelay({ node: member, protocol });
    const window = new AbortController();
    const received: Uint8Array[] = [];
    void (async () => {
      for await (const f of relay.listen(source.peerId, 'line-in', window.signal)) received.push(f);
    })();
    await waitFor(() => (relay.stats().dropped.malformedFrame ?? 0) >= 1, 'the bad frame counted');
    // The stream was closed: the relay opens a new one (after 1 s) while the window still listens.
    await waitFor(() => served >= 2, 'a new stream after the bad one');
    expect(relay.stats().reconnects).toBeGreaterThanOrEqual(1);
    // Only the good frames reached the window.
    expect(received.length).toBeGreaterThanOrEqual(1);
    for (const f of received) expect(decodeLiveFrame(f).ok).toBe(true);
    window.abort();
    relay.stop();
    await source.libp2p.unhandle(protocol);
  });
});
