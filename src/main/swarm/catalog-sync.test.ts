import { randomBytes } from 'node:crypto';
import { lpStream } from '@libp2p/utils';
import { afterEach, describe, expect, it } from 'vitest';
import { trackIdFromChunkIds } from '../../shared/chunking/ids';
import { entryOf } from '../../shared/swarm/catalog';
import { copyInto, testAudio } from '../../../test/audio/make-audio';
import { sha256Hex } from '../library';
import { deriveRoom, type Room } from '../net/room';
import { TestNet, waitFor } from '../net/testing/helpers';
import { decodeJsonFrame, encodeJsonFrame } from '../net/json-frame';
import { validateCatalogRequest, validateListFrame } from '../../shared/swarm/catalog-stream';
import { startSwarmPeer, type SwarmPeer } from './testing/swarm-peer';

const net = new TestNet();
const peers: SwarmPeer[] = [];

const newRoom = (): Promise<Room> => deriveRoom(`swarm-catalog-${randomBytes(4).toString('hex')}`);

const peer = async (options: Omit<Parameters<typeof startSwarmPeer>[0], 'net'>): Promise<SwarmPeer> => {
  const p = await startSwarmPeer({ net, ...options });
  peers.push(p);
  return p;
};

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await net.cleanup();
});

describe('CatalogSync', () => {
  it('exchanges catalogs on connect and applies a delta when a file is added', async () => {
    const audio = await testAudio();
    const room = await newRoom();
    const dirA = await net.tempDir();
    await copyInto(dirA, [audio.tones.mp3, audio.tones.flac]);
    const dirB = await net.tempDir();
    await copyInto(dirB, [audio.tones.ogg]);
    const a = await peer({ room, libraryDir: dirA });
    const b = await peer({ room, libraryDir: dirB, bootstrap: a.node.listenAddrs() });

    await waitFor(
      () => a.catalog.hasSynced(b.node.peerId) && b.catalog.hasSynced(a.node.peerId),
      'catalogs synced',
    );
    await Promise.all([a.catalog.idle(), b.catalog.idle()]);
    const oggId = b.lib.library.list()[0]!.id;
    const roomA = a.catalog.roomTracks();
    expect(roomA.map((t) => t.title)).toEqual(['MP3 Tone', 'FLAC Tone', 'OGG Tone']);
    const ogg = roomA.find((t) => t.id === oggId)!;
    expect(ogg).toMatchObject({
      local: false,
      holders: [b.node.peerId],
      codec: 'vorbis',
      artist: 'Firefly Tests',
    });
    expect(roomA.filter((t) => t.local).every((t) => t.holders.length === 0)).toBe(true);
    // One track by id is the same entry as in the list, local or not; an unknown id is none.
    for (const t of roomA) expect(a.catalog.roomTrack(t.id)).toEqual(t);
    expect(a.catalog.roomTrack('0'.repeat(64))).toBeNull();
    // The entry brought the chunk list, with offsets rebuilt from the lengths.
    expect(a.lib.db.chunkList(oggId)).toEqual(b.lib.db.chunkList(oggId));
    expect(
      b.catalog
        .roomTracks()
        .filter((t) => !t.local)
        .map((t) => t.holders),
    ).toEqual([[a.node.peerId], [a.node.peerId]]);

    // A new file on A reaches B as a delta on the control topic, not as a resync.
    await waitFor(
      () => a.node.pubsub.getSubscribers(room.controlTopic).some((p) => p.toString() === b.node.peerId),
      'B subscribed',
    );
    const syncsBefore = b.catalog.stats().syncs;
    await copyInto(dirA, [audio.tones.wav]);
    await a.lib.scanner.scan();
    await waitFor(() => b.catalog.roomTracks().some((t) => t.title === 'WAV Tone'), 'delta applied on B');
    const wav = b.catalog.roomTracks().find((t) => t.title === 'WAV Tone')!;
    expect(wav).toMatchObject({ local: false, holders: [a.node.peerId] });
    expect(b.catalog.stats().deltasApplied).toBe(1);
    expect(b.catalog.stats().syncs).toBe(syncsBefore);
    expect(a.catalog.localVersion().version).toBe(1);

    // A disconnecting peer's tracks leave the room list.
    await b.stop();
    await waitFor(() => a.catalog.roomTracks().every((t) => t.local), 'B gone from the room list');
    expect(a.catalog.roomTrack(oggId)).toBeNull();
  });

  it('catches up on changes it missed through a list since its last version', async () => {
    const audio = await testAudio();
    const room = await newRoom();
    const dirA = await net.tempDir();
    await copyInto(dirA, [audio.tones.mp3]);
    // A re-announces its version quickly; B misses the delta because it is not subscribed yet.
    const a = await peer({ room, libraryDir: dirA, catalog: { announceIntervalMs: 200 } });
    const b = await peer({ room, bootstrap: a.node.listenAddrs() });
    await waitFor(() => b.catalog.hasSynced(a.node.peerId), 'B synced A');
    b.control.stop();
    await copyInto(dirA, [audio.tones.opus]);
    await a.lib.scanner.scan();
    await waitFor(() => a.catalog.localVersion().version === 1, 'A announced');
    expect(b.catalog.roomTracks().some((t) => t.title === 'OPUS Tone')).toBe(false);
    b.control.start();
    await waitFor(() => b.catalog.roomTracks().some((t) => t.title === 'OPUS Tone'), 'B caught up');
    expect(b.catalog.stats().deltasApplied).toBe(0);
    expect(b.catalog.stats().syncs).toBe(2);
  });

  it('rejects entries whose id does not name their chunk list and never rewrites a known track', async () => {
    const audio = await testAudio();
    const room = await newRoom();
    const dir = await net.tempDir();
    await copyInto(dir, [audio.tones.mp3]);
    const honest = await peer({ room, libraryDir: dir });
    const own = honest.lib.db.localTracks()[0]!;
    const ownChunks = honest.lib.db.chunkList(own.id);

    // A forged entry: a made-up chunk list under a fresh id that does not hash to it.
    const fakeChunkIds = [sha256Hex(randomBytes(16)), sha256Hex(randomBytes(16))];
    const forgedId = sha256Hex(randomBytes(32));
    const forged = {
      track: {
        ...entryOf(own, ownChunks).track,
        id: forgedId,
        title: 'Forged',
        chunkCount: 2,
        sizeBytes: 2000,
      },
      chunkIds: fakeChunkIds,
      chunkBytes: [1000, 1000],
    };
    // A valid id for the honest peer's own chunk list, with other tags: verifiable, but the
    // receiver already knows the track and must keep its own tags.
    const retagged = entryOf({ ...own, title: 'Retitled' }, ownChunks);
    // The honest peer's own id attached to a different chunk list.
    const hijack = { ...forged, track: { ...forged.track, id: own.id, title: 'Hijacked' } };
    const legit = {
      chunkIds: fakeChunkIds,
      chunkBytes: [1000, 1000],
      track: { ...forged.track, id: trackIdFromChunkIds(fakeChunkIds, sha256Hex), title: 'Consistent' },
    };

    const evil = await net.node({ room });
    await evil.libp2p.handle(evil.protocolId('catalog'), async (stream) => {
      const lp = lpStream(stream, { maxDataLength: 8 * 1024 * 1024 });
      const request = decodeJsonFrame((await lp.read()).subarray(), validateCatalogRequest);
      if (request.ok && request.value.op === 'list') {
        await lp.write(
          encodeJsonFrame({
            incarnation: 'deadbeef',
            version: 0,
            full: true,
            added: [forgedId, own.id, legit.track.id],
            removed: [],
            done: true,
          }),
        );
      } else {
        await lp.write(
          encodeJsonFrame({ entries: [forged, retagged, hijack, legit], missing: [], done: true }),
        );
      }
      await stream.close();
    });
    await honest.node.libp2p.dial(evil.libp2p.getMultiaddrs()[0]!);
    await waitFor(() => honest.catalog.hasSynced(evil.peerId), 'synced the evil peer');

    const stats = honest.catalog.stats();
    expect(stats.dropped.forgedEntry).toBe(2);
    expect(honest.lib.db.getTrack(forgedId)).toBeNull();
    expect(honest.lib.db.getTrack(own.id)?.title).toBe('MP3 Tone');
    expect(honest.lib.db.chunkList(own.id)).toEqual(ownChunks);
    // Only ids backed by a verified entry (or a track already known) enter the peer's catalog.
    expect(
      honest.lib.db.catalogs
        .entries(evil.peerId)
        .map((e) => e.trackId)
        .sort(),
    ).toEqual([own.id, legit.track.id].sort());
    const listed = honest.catalog.roomTracks();
    expect(listed.map((t) => t.title).sort()).toEqual(['Consistent', 'MP3 Tone']);
    expect(listed.find((t) => t.id === own.id)).toMatchObject({ local: true, holders: [evil.peerId] });
  });

  it('drops malformed requests, benches a peer that keeps sending them, and keeps serving others', async () => {
    const room = await newRoom();
    const a = await peer({ room });
    const probe = await net.node({ room });
    await probe.libp2p.dial(a.node.libp2p.getMultiaddrs()[0]!);
    for (const bad of [
      encodeJsonFrame({ op: 'list', sinceVersion: -1 }),
      encodeJsonFrame({ op: 'entries', trackIds: ['nope'] }),
      new Uint8Array([1, 2, 3]),
    ]) {
      const stream = await probe.libp2p.dialProtocol(a.node.libp2p.peerId, a.node.protocolId('catalog'));
      const lp = lpStream(stream);
      await lp.write(bad);
      await expect(lp.read()).rejects.toThrow();
      await stream.close().catch(() => undefined);
    }
    await waitFor(() => (a.catalog.stats().dropped.malformedRequest ?? 0) === 3, 'three requests dropped');
    // Three bad streams bench the sender: even its good request is now refused unread…
    const refused = await probe.libp2p.dialProtocol(a.node.libp2p.peerId, a.node.protocolId('catalog'));
    const refusedLp = lpStream(refused);
    await refusedLp.write(encodeJsonFrame({ op: 'list' })).catch(() => undefined);
    await expect(refusedLp.read()).rejects.toThrow();
    expect(a.catalog.stats().dropped.malformedRequest).toBe(3);
    // …while the service still answers other peers.
    const other = await net.node({ room });
    await other.libp2p.dial(a.node.libp2p.getMultiaddrs()[0]!);
    const stream = await other.libp2p.dialProtocol(a.node.libp2p.peerId, a.node.protocolId('catalog'));
    const lp = lpStream(stream);
    await lp.write(encodeJsonFrame({ op: 'list' }));
    expect(decodeJsonFrame((await lp.read()).subarray(), validateListFrame)).toMatchObject({
      ok: true,
      value: { full: true, added: [], done: true },
    });
    await stream.close();
  });
});
