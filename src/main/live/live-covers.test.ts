/**
 * The live cover protocol between two real libp2p nodes on loopback: a member fetches the cover of a
 * source peer's source once however many windows ask, keeps it, and asks again only for a new cover
 * id; a reply that is oversized, malformed or not the image the cover id names is dropped and counted;
 * a malformed or oversized request is dropped, counted and strikes its peer.
 */
import { lpStream } from '@libp2p/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCoverReply } from '../../shared/swarm/chunk-wire';
import type { PeerNode } from '../net/node';
import { deriveRoom } from '../net/room';
import { StreamGuard } from '../net/stream-guard';
import { TestNet, portOf, waitFor } from '../net/testing/helpers';
import { LiveCovers } from './live-covers';
import { liveCoverId, type LiveCover } from './source-now-playing';

const net = new TestNet();
let source: PeerNode;
let member: PeerNode;
beforeAll(async () => {
  const room = await deriveRoom('live-covers-test');
  source = await net.node({ room });
  member = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(source)}`] });
  await waitFor(() => member.connectedPeers().includes(source.peerId), 'the member connected');
});
afterAll(() => net.cleanup());

const png = (fill: number, size = 3000): Uint8Array =>
  new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size, fill)]),
  );
const coverOf = (bytes: Uint8Array): LiveCover => ({ mime: 'image/png', bytes, coverId: liveCoverId(bytes) });

describe('the live cover protocol', () => {
  it('fetches a cover once, keeps it, and fetches the next cover id anew', async () => {
    let playing = coverOf(png(1));
    const server = new LiveCovers({
      node: source,
      local: (id) => (id === 'airplay-1' ? playing : null),
      remote: () => null,
    });
    let announced = playing.coverId;
    const client = new LiveCovers({
      node: member,
      local: () => null,
      remote: (id) => (id === 'airplay-1' ? { peerId: source.peerId, coverId: announced } : null),
    });
    await Promise.all([server.start(), client.start()]);
    try {
      // Five windows ask at once: one request.
      const got = await Promise.all(Array.from({ length: 5 }, () => client.cover('airplay-1')));
      for (const cover of got) expect(cover).toEqual(playing);
      expect(server.stats().served).toBe(1);
      expect(await client.cover('airplay-1')).toEqual(playing);
      expect(server.stats().served).toBe(1);
      expect(await client.cover('unknown-0123456789ab')).toBeNull();

      // The next track: a new cover id, fetched once more.
      playing = coverOf(png(2));
      announced = playing.coverId;
      expect(await client.cover('airplay-1')).toEqual(playing);
      expect(server.stats().served).toBe(2);

      // A cover id the source peer no longer has: UNKNOWN, not asked again for a while.
      announced = coverOf(png(3)).coverId;
      expect(await client.cover('airplay-1')).toBeNull();
      expect(await client.cover('airplay-1')).toBeNull();
      expect(server.stats()).toMatchObject({ requests: 3, served: 2 });
      expect(client.stats()).toMatchObject({ fetched: 2, failed: 0, dropped: {} });
    } finally {
      await Promise.all([server.stop(), client.stop()]);
    }
  });

  it('drops and counts replies that are oversized, malformed or not the named image', async () => {
    const protocol = source.protocolId('live-cover-liar');
    const replies = new Map<string, Uint8Array>([
      ['a'.repeat(16), encodeCoverReply(png(4)) as Uint8Array],
      ['b'.repeat(16), Uint8Array.of(42, 1, 2, 3)],
      ['c'.repeat(16), Uint8Array.of(6, ...Buffer.from('not an image'))],
      ['d'.repeat(16), encodeCoverReply(png(5, 1600 * 1024)) as Uint8Array],
    ]);
    let asked = 0;
    await source.libp2p.handle(protocol, async (stream) => {
      asked++;
      try {
        const lp = lpStream(stream);
        const request = JSON.parse(Buffer.from((await lp.read()).subarray()).toString()) as {
          coverId: string;
        };
        await lp.write(replies.get(request.coverId) ?? Uint8Array.of(4));
        await stream.close();
      } catch {
        // The member cut the oversized reply off.
      }
    });
    let coverId = '';
    const client = new LiveCovers(
      { node: member, local: () => null, remote: () => ({ peerId: source.peerId, coverId }) },
      { protocolName: 'live-cover-liar' },
    );
    await client.start();
    try {
      for (coverId of replies.keys()) expect(await client.cover('airplay-1')).toBeNull();
      expect(client.stats().dropped).toEqual({
        'fetch.wrongCover': 1,
        'fetch.malformedCover': 2,
        'fetch.oversizedCover': 1,
      });
      // Each was asked once: a cover id that could not be had is not asked again at once.
      for (coverId of replies.keys()) expect(await client.cover('airplay-1')).toBeNull();
      expect(asked).toBe(4);
    } finally {
      await client.stop();
      await source.libp2p.unhandle(protocol);
    }
  });

  it('drops, counts and strikes a malformed or oversized request', async () => {
    const guard = new StreamGuard();
    const server = new LiveCovers({ node: source, local: () => null, remote: () => null, guard });
    await server.start();
    const protocol = source.protocolId('live-cover');
    const send = async (frame: Uint8Array) => {
      const stream = await member.libp2p.dialProtocol(source.libp2p.peerId, protocol);
      const lp = lpStream(stream);
      await lp.write(frame);
      await lp.read().catch(() => undefined);
    };
    try {
      await send(Buffer.from('{"sourceId":"../etc","coverId":"0123456789abcdef"}'));
      await send(Buffer.from('not json'));
      await send(Buffer.from(JSON.stringify({ sourceId: 'a', coverId: 'b'.repeat(300) })));
      await waitFor(
        () => Object.values(server.stats().dropped).reduce((a, b) => a + b, 0) === 3,
        'three drops',
      );
      expect(server.stats().dropped).toEqual({ 'serve.malformedRequest': 2, 'serve.oversizedRequest': 1 });
      expect(guard.stats().strikes).toBe(3);
    } finally {
      await server.stop();
    }
  });
});
