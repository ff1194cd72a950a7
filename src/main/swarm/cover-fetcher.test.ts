import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lpStream } from '@libp2p/utils';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testAudio, type TestAudio } from '../../../test/audio/make-audio';
import { chunkLimits, decodeRequest, STATUS_COVER } from '../../shared/swarm/chunk-wire';
import type { TrackRecord } from '../library';
import { deriveRoom } from '../net/room';
import { TestNet, waitFor } from '../net/testing/helpers';
import { CoverFetcher } from './cover-fetcher';
import { startSwarmPeer, type SwarmPeer } from './testing/swarm-peer';

const net = new TestNet();
const peers: SwarmPeer[] = [];
let audio: TestAudio;

const peer = async (options: Omit<Parameters<typeof startSwarmPeer>[0], 'net'>): Promise<SwarmPeer> => {
  const p = await startSwarmPeer({ net, ...options });
  peers.push(p);
  return p;
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  audio = await testAudio();
}, 120_000);

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await net.cleanup();
});

/** Holders of one MP3 with an embedded PNG cover, and a peer with an empty library that knows of it. */
async function room(holders: number) {
  const room = await deriveRoom(`swarm-covers-${randomBytes(4).toString('hex')}`);
  const dir = await net.tempDir();
  await copyFile(audio.withCover, join(dir, 'covered.mp3'));
  const seeds: SwarmPeer[] = [];
  for (let i = 0; i < holders; i++) seeds.push(await peer({ room, libraryDir: dir }));
  const viewer = await peer({ room, bootstrap: seeds.flatMap((s) => s.node.listenAddrs()) });
  const trackId = seeds[0]!.lib.library.list()[0]!.id;
  await waitFor(
    () => viewer.catalog.holdersOf(trackId).length === holders && viewer.lib.db.getTrack(trackId) !== null,
    'the viewer knows every holder of the track',
  );
  return { seeds, viewer, trackId, png: new Uint8Array(await readFile(audio.coverPng)) };
}

/** Replaces a peer's chunk server with one that answers every COVER with `reply`. */
async function answerCoversWith(seed: SwarmPeer, reply: () => Uint8Array): Promise<{ asked: number }> {
  const counts = { asked: 0 };
  await seed.server.stop();
  await seed.node.libp2p.handle(seed.server.protocol, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes });
    try {
      const request = decodeRequest((await lp.read()).subarray());
      if (request.ok && request.value.op === 'cover') {
        counts.asked++;
        await lp.write(reply());
      }
    } catch {
      // the client went away
    } finally {
      await stream.close().catch(() => undefined);
    }
  });
  return counts;
}

describe('cover exchange', () => {
  it('fetches the cover of a track only a peer holds once, then keeps and serves it', async () => {
    const { seeds, viewer, trackId, png } = await room(1);
    const before = viewer.lib.db.getTrack(trackId)!;
    expect(before.hasCover).toBe(true);
    expect(before.coverHash).toBeNull();
    expect(viewer.lib.library.cover(trackId)).toBeNull();

    const cover = await viewer.covers.cover(trackId);
    expect(cover?.mime).toBe('image/png');
    expect(Buffer.from(cover!.bytes).equals(png)).toBe(true);
    expect(seeds[0]!.server.stats().coversServed).toBe(1);

    // Stored in the index: the next call needs no peer, and the library serves it like its own.
    expect(viewer.lib.db.getTrack(trackId)!.coverHash).toBe(sha256(png));
    expect(Buffer.from(viewer.lib.library.cover(trackId)!.bytes).equals(png)).toBe(true);
    await viewer.covers.cover(trackId);
    expect(viewer.covers.stats()).toMatchObject({ requests: 1, fetched: 1, failed: 0 });

    // Concurrent first calls share one request.
    const { viewer: other, trackId: sameTrack } = await room(1);
    const [a, b] = await Promise.all([other.covers.cover(sameTrack), other.covers.cover(sameTrack)]);
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
    expect(other.covers.stats().requests).toBe(1);
  });

  it('answers UNKNOWN for a track without a cover, and the viewer asks no one for it', async () => {
    const room = await deriveRoom(`swarm-covers-${randomBytes(4).toString('hex')}`);
    const dir = await net.tempDir();
    await copyFile(audio.tones.flac, join(dir, 'plain.flac'));
    const seed = await peer({ room, libraryDir: dir });
    const viewer = await peer({ room, bootstrap: seed.node.listenAddrs() });
    const trackId = seed.lib.library.list()[0]!.id;
    await waitFor(() => viewer.lib.db.getTrack(trackId) !== null, 'the viewer knows the track');
    expect(viewer.lib.db.getTrack(trackId)!.hasCover).toBe(false);
    expect(await viewer.covers.cover(trackId)).toBeNull();
    expect(await viewer.covers.cover(randomBytes(32).toString('hex'))).toBeNull();
    expect(await viewer.covers.cover('../../etc/passwd')).toBeNull();
    expect(viewer.covers.stats().requests).toBe(0);

    // Asked directly, the holder says it has none.
    const claimsCover = {
      getTrack: () => ({ ...viewer.lib.db.getTrack(trackId)!, hasCover: true }),
      cover: () => null,
      setCover: () => false,
    };
    const direct = new CoverFetcher({
      node: viewer.node,
      db: claimsCover,
      holders: () => [seed.node.peerId],
    });
    expect(await direct.cover(trackId)).toBeNull();
    expect(direct.stats()).toMatchObject({ requests: 1, unavailable: 1, failed: 0, dropped: {} });
  });

  it('drops a reply that is no image or too large, counts it, and takes the cover from another holder', async () => {
    const { seeds, viewer, trackId, png } = await room(2);
    const [liar, honest] = seeds as [SwarmPeer, SwarmPeer];
    const html = new TextEncoder().encode('<html><script>alert(1)</script></html>');
    let reply = Uint8Array.of(STATUS_COVER, ...html);
    const liarCounts = await answerCoversWith(liar, () => reply);
    const onlyLiar = new CoverFetcher(
      { node: viewer.node, db: viewer.lib.db, holders: () => [liar.node.peerId] },
      { retryAfterMs: 60_000 },
    );

    expect(await onlyLiar.cover(trackId)).toBeNull();
    expect(onlyLiar.stats()).toMatchObject({ requests: 1, unavailable: 1, dropped: { malformedCover: 1 } });
    // Not asked again before the retry time.
    expect(await onlyLiar.cover(trackId)).toBeNull();
    expect(liarCounts.asked).toBe(1);
    expect(viewer.lib.db.getTrack(trackId)!.coverHash).toBeNull();

    // A frame longer than any cover is refused while it is read.
    reply = new Uint8Array(chunkLimits.maxCoverBytes + 2);
    reply.set([STATUS_COVER, 0xff, 0xd8, 0xff]);
    const oversized = new CoverFetcher({
      node: viewer.node,
      db: viewer.lib.db,
      holders: () => [liar.node.peerId],
    });
    expect(await oversized.cover(trackId)).toBeNull();
    expect(oversized.stats().dropped).toEqual({ oversizedCover: 1 });

    const both = new CoverFetcher({
      node: viewer.node,
      db: viewer.lib.db,
      holders: () => [liar.node.peerId, honest.node.peerId],
    });
    const cover = await both.cover(trackId);
    expect(Buffer.from(cover!.bytes).equals(png)).toBe(true);
    expect(both.stats()).toMatchObject({ requests: 2, fetched: 1, dropped: { oversizedCover: 1 } });
    expect(viewer.lib.db.getTrack(trackId)!.coverHash).toBe(sha256(png));
  });

  it('asks for at most four covers at once and serves every request in turn', async () => {
    const room = await deriveRoom(`swarm-covers-${randomBytes(4).toString('hex')}`);
    const holder = await peer({ room });
    const viewer = await peer({ room, bootstrap: holder.node.listenAddrs() });
    await waitFor(() => viewer.node.connectedPeers().includes(holder.node.peerId), 'connected');
    const png = new Uint8Array(await readFile(audio.coverPng));
    let open = 0;
    let most = 0;
    await holder.server.stop();
    await holder.node.libp2p.handle(holder.server.protocol, async (stream) => {
      open++;
      most = Math.max(most, open);
      const lp = lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes });
      try {
        await lp.read();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await lp.write(Uint8Array.of(STATUS_COVER, ...png));
      } finally {
        open--;
        await stream.close().catch(() => undefined);
      }
    });
    // Twelve remote tracks said to have covers, stored as they arrive.
    const stored = new Map<string, string>();
    const ids = Array.from({ length: 12 }, () => randomBytes(32).toString('hex'));
    const db = {
      getTrack: (id: string): TrackRecord => ({
        id,
        title: id.slice(0, 8),
        artist: '',
        album: '',
        trackNo: null,
        durationSec: 1,
        codec: 'mp3',
        container: 'MPEG',
        sizeBytes: 1,
        hasCover: true,
        coverHash: stored.get(id) ?? null,
        coverMime: null,
        chunkCount: 1,
      }),
      cover: () => null,
      setCover: (id: string, cover: { hash: string }) => (stored.set(id, cover.hash), true),
    };
    const covers = new CoverFetcher({ node: viewer.node, db, holders: () => [holder.node.peerId] });
    const images = await Promise.all(ids.map((id) => covers.cover(id)));
    expect(images.every((image) => image !== null && Buffer.from(image.bytes).equals(png))).toBe(true);
    expect(most).toBe(4);
    expect(stored.size).toBe(12);
    expect(covers.stats()).toMatchObject({ requests: 12, fetched: 12, failed: 0 });
  });
});
