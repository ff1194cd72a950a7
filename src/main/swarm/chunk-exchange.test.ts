import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lpStream } from '@libp2p/utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chunkLimits,
  decodeGetReply,
  decodeRequest,
  decodeWatchReply,
  encodeChunkReply,
  encodeGet,
  encodeWatch,
} from '../../shared/swarm/chunk-wire';
import { deriveRoom, type Room } from '../net/room';
import { TestNet, waitFor } from '../net/testing/helpers';
import { STREAMING_PRIORITY, type DownloadProgress } from './fetch-types';
import { noiseLibrary, startSwarmPeer, writeNoiseWav, type SwarmPeer } from './testing/swarm-peer';

const net = new TestNet();
const peers: SwarmPeer[] = [];

/** Every file below `dir`. */
const readdirDeep = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);

const newRoom = (): Promise<Room> => deriveRoom(`swarm-chunks-${randomBytes(4).toString('hex')}`);

const peer = async (options: Omit<Parameters<typeof startSwarmPeer>[0], 'net'>): Promise<SwarmPeer> => {
  const p = await startSwarmPeer({ net, ...options });
  peers.push(p);
  return p;
};

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await net.cleanup();
});

/** Seeders sharing one library folder with a noise WAV, and a fetcher connected to all of them. */
async function swarm(
  seeders: number,
  sizeBytes: number,
  fetcherInit: Parameters<typeof startSwarmPeer>[0]['fetcher'] = {},
) {
  const room = await newRoom();
  const dir = await noiseLibrary(net, sizeBytes, 7);
  const seeds: SwarmPeer[] = [];
  for (let i = 0; i < seeders; i++) seeds.push(await peer({ room, libraryDir: dir }));
  const fetcher = await peer({
    room,
    bootstrap: seeds.flatMap((s) => s.node.listenAddrs()),
    fetcher: fetcherInit,
  });
  await waitFor(
    () => seeds.every((s) => fetcher.catalog.hasSynced(s.node.peerId)),
    'fetcher synced every seeder',
  );
  const track = seeds[0]!.lib.library.list()[0]!;
  await waitFor(
    () => fetcher.catalog.holdersOf(track.id).length === seeders,
    'every seeder listed as holder',
  );
  const fileBytes = await readFile(join(dir, 'noise.wav'));
  return { room, dir, seeds, fetcher, track, fileBytes };
}

/** The chunk streams other peers opened to `seed`. */
const inboundChunkStreams = (seed: SwarmPeer) =>
  seed.node.libp2p
    .getConnections()
    .flatMap((c) => c.streams)
    .filter((st) => st.protocol === seed.server.protocol && st.direction === 'inbound');

describe('chunk exchange', () => {
  it('fetches a track from three holders in parallel and reads it back', async () => {
    const { seeds, fetcher, track, fileBytes } = await swarm(3, 6 * 1024 * 1024);
    const progress: DownloadProgress[] = [];
    fetcher.fetcher.on('download:progress', (p) => progress.push(p));
    expect(fetcher.fetcher.isComplete(track.id)).toBe(false);

    const result = await fetcher.fetcher.fetchTrack(track.id, { priority: 1 });

    expect(result.haveChunks).toBe(track.chunkCount);
    expect(result.fetchedChunks).toBe(track.chunkCount);
    expect(result.bytes).toBe(track.sizeBytes);
    const sources = Object.keys(result.perPeer);
    expect(sources.length).toBeGreaterThan(1);
    for (const source of sources) expect(seeds.map((s) => s.node.peerId)).toContain(source);
    const served = seeds.map((s) => s.server.stats().bytesServed);
    expect(served.reduce((a, b) => a + b, 0)).toBe(track.sizeBytes);
    expect(progress.at(-1)).toMatchObject({
      trackId: track.id,
      haveChunks: track.chunkCount,
      totalChunks: track.chunkCount,
    });
    expect(progress.length).toBeGreaterThan(1);
    expect(fetcher.fetcher.isComplete(track.id)).toBe(true);
    const bytes = await fetcher.fetcher.readTrack(track.id);
    expect(Buffer.from(bytes).equals(fileBytes)).toBe(true);
    // Fetched chunks sit in the cache, not among the user's own files.
    expect(fetcher.lib.library.isLocal(track.id)).toBe(false);
    expect(fetcher.lib.store.stats().count).toBe(
      new Set(fetcher.lib.db.chunkList(track.id).map((c) => c.chunkId)).size,
    );
  });

  it('opens a chunk stream to a peer as it connects, and its first request uses it', async () => {
    const { seeds, fetcher, track } = await swarm(1, 512 * 1024);
    const seed = seeds[0]!;
    const chunkStreams = () => inboundChunkStreams(seed);
    // Before any request: the fetcher's stream is open at the holder, idle.
    await waitFor(() => chunkStreams().length === 1, 'a chunk stream from the fetcher');
    expect(seed.server.stats().requests).toBe(0);
    const opened = chunkStreams()[0]!;
    await fetcher.fetcher.fetchTrack(track.id, { priority: STREAMING_PRIORITY });
    expect(seed.server.stats().requests).toBeGreaterThan(0);
    // The first request went over that stream: it is still the one, open, and served them.
    expect(chunkStreams()).toContain(opened);
  });

  it('asks again on a new stream when the idle one died (the peer restarted its service), without counting a failure', async () => {
    const { seeds, fetcher, track, fileBytes } = await swarm(1, 512 * 1024);
    const seed = seeds[0]!;
    const inbound = () => inboundChunkStreams(seed);
    await waitFor(() => inbound().length === 1, 'a chunk stream from the fetcher');
    await seed.server.stop();
    await seed.server.start();
    const result = await fetcher.fetcher.fetchTrack(track.id, { priority: STREAMING_PRIORITY });
    expect(result.haveChunks).toBe(track.chunkCount);
    expect(fetcher.fetcher.stats().failedRequests).toBe(0);
    expect(Buffer.from(await fetcher.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('asks a peer that is the only one connected for several chunks per request', async () => {
    const { seeds, fetcher, track, fileBytes } = await swarm(1, 3 * 1024 * 1024);
    const result = await fetcher.fetcher.fetchTrack(track.id);

    const served = seeds[0]!.server.stats();
    expect(result.fetchedChunks).toBe(track.chunkCount);
    expect(served.chunksServed).toBe(track.chunkCount);
    // Four ids per request by default, so far fewer requests than chunks.
    expect(served.requests).toBeLessThanOrEqual(Math.ceil(track.chunkCount / 4) + 4);
    expect(Buffer.from(await fetcher.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('fetches a track being played from the front, one chunk a request, even from a lone peer', async () => {
    const { seeds, fetcher, track, fileBytes } = await swarm(1, 3 * 1024 * 1024);
    const order: number[] = [];
    const indexOf = new Map(fetcher.lib.db.chunkList(track.id).map((c) => [c.chunkId, c.index]));
    fetcher.fetcher.on('download:chunk', (e) => order.push(indexOf.get(e.chunkId)!));
    await fetcher.fetcher.fetchTrack(track.id, { priority: STREAMING_PRIORITY });

    const served = seeds[0]!.server.stats();
    expect(served.requests).toBe(served.chunksServed);
    expect(order.length).toBe(track.chunkCount);
    // Requests run in parallel, so chunks land a little out of order, but never far from the front:
    // with several chunks a request, chunk 1 came after the first chunk of every request in flight. Eight
    // requests are in flight, so the first eight to land are chunks 0-7 when nothing is slow; under the full
    // suite one slow store or reply let chunks up to 12 land first (a local run). In rarest-first order the
    // highest of the first eight of this track's ~48 chunks is about 43.
    const firstEight = order.slice(0, 8).sort((a, b) => a - b);
    expect(firstEight.at(-1)).toBeLessThan(16);
    expect(Buffer.from(await fetcher.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('asks for one chunk per request when other peers could share the load', async () => {
    const { seeds, fetcher, track } = await swarm(2, 2 * 1024 * 1024);
    await fetcher.fetcher.fetchTrack(track.id);

    const stats = seeds.map((s) => s.server.stats());
    expect(stats.reduce((n, s) => n + s.chunksServed, 0)).toBe(track.chunkCount);
    for (const s of stats) expect(s.requests).toBe(s.chunksServed);
  });

  it('penalizes a peer that serves wrong bytes and completes from the others', async () => {
    const { seeds, fetcher, track, fileBytes } = await swarm(2, 3 * 1024 * 1024, { maxBadChunksPerPeer: 3 });
    const evil = seeds[1]!;
    // The evil peer keeps its honest catalog but answers every GET with random bytes of the right size.
    await evil.server.stop();
    const lengths = new Map(evil.lib.db.chunkList(track.id).map((c) => [c.chunkId, c.lengthBytes]));
    let evilReplies = 0;
    await evil.node.libp2p.handle(evil.server.protocol, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes });
      try {
        for (;;) {
          const request = decodeRequest((await lp.read()).subarray());
          if (!request.ok || request.value.op !== 'get') return;
          for (const id of request.value.chunkIds) {
            evilReplies++;
            await lp.write(encodeChunkReply(randomBytes(lengths.get(id) ?? 1000)));
          }
        }
      } catch {
        // the fetcher closed the stream
      } finally {
        await stream.close().catch(() => undefined);
      }
    });

    const result = await fetcher.fetcher.fetchTrack(track.id);

    expect(evilReplies).toBeGreaterThanOrEqual(3);
    expect(result.badChunks).toBe(evilReplies);
    // Exclusion after 3 bad chunks; requests already in flight then may still come back bad.
    expect(result.badChunks).toBeLessThanOrEqual(3 + 4);
    expect(Object.keys(result.perPeer)).toEqual([seeds[0]!.node.peerId]);
    expect(fetcher.fetcher.stats().dropped.badChunk).toBe(evilReplies);
    expect(Buffer.from(await fetcher.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('resumes an interrupted download, fetching only the missing chunks', async () => {
    const { room, seeds, fetcher, track, fileBytes } = await swarm(1, 6 * 1024 * 1024, {
      maxInFlightPerPeer: 1,
      progressIntervalMs: 0,
    });
    const seed = seeds[0]!;
    const controller = new AbortController();
    fetcher.fetcher.on('download:progress', (p) => {
      if (p.haveChunks >= 20) controller.abort();
    });
    await expect(fetcher.fetcher.fetchTrack(track.id, { signal: controller.signal })).rejects.toMatchObject({
      name: 'FetchAbortedError',
    });
    // Restart the fetcher on the same data folder.
    const dataDir = fetcher.dataDir;
    peers.splice(peers.indexOf(fetcher), 1);
    await fetcher.stop();
    const storedBefore = (await readdirDeep(join(dataDir, 'chunks'))).length;
    expect(storedBefore).toBeGreaterThanOrEqual(20);
    expect(storedBefore).toBeLessThan(track.chunkCount);
    const servedBefore = seed.server.stats().bytesServed;
    const again = await peer({ room, dataDir, bootstrap: seed.node.listenAddrs() });
    await waitFor(() => again.catalog.holdersOf(track.id).length === 1, 'seeder listed again');

    const result = await again.fetcher.fetchTrack(track.id);

    expect(result.presentChunks).toBe(storedBefore);
    expect(result.fetchedChunks).toBe(track.chunkCount - storedBefore);
    expect(seed.server.stats().bytesServed - servedBefore).toBe(result.bytes);
    expect(Buffer.from(await again.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('learns about partial holders and fetches from them', async () => {
    const {
      room,
      seeds,
      fetcher: first,
      track,
      fileBytes,
    } = await swarm(1, 4 * 1024 * 1024, { maxInFlightPerPeer: 1, progressIntervalMs: 0 });
    const seed = seeds[0]!;
    const controller = new AbortController();
    first.fetcher.on('download:progress', (p) => {
      if (p.haveChunks >= track.chunkCount / 2) controller.abort();
    });
    await expect(first.fetcher.fetchTrack(track.id, { signal: controller.signal })).rejects.toMatchObject({
      name: 'FetchAbortedError',
    });
    const partialCount = first.lib.store.stats().count;

    // The second fetcher knows only the seeder as a catalog holder; the first has half the track.
    const second = await peer({ room, bootstrap: [...seed.node.listenAddrs(), ...first.node.listenAddrs()] });
    await waitFor(() => second.catalog.holdersOf(track.id).length === 1, 'seeder listed');
    expect(second.catalog.holdersOf(track.id)).toEqual([seed.node.peerId]);

    const result = await second.fetcher.fetchTrack(track.id);

    const fromFirst = result.perPeer[first.node.peerId]?.chunks ?? 0;
    expect(fromFirst).toBeGreaterThan(0);
    // Writes queued before the abort may land after it, so the first peer's final store bounds what it could serve.
    expect(partialCount).toBeLessThan(track.chunkCount);
    expect(fromFirst).toBeLessThanOrEqual(first.lib.store.stats().count);
    expect(first.server.stats().watches).toBe(1);
    expect(Buffer.from(await second.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('serves a higher-priority download first', async () => {
    const room = await newRoom();
    const dir = await noiseLibrary(net, 2 * 1024 * 1024, 21, 'low.wav');
    await writeNoiseWav(join(dir, 'high.wav'), 2 * 1024 * 1024, 22);
    const seed = await peer({ room, libraryDir: dir });
    const fetcher = await peer({
      room,
      bootstrap: seed.node.listenAddrs(),
      fetcher: { maxInFlightPerPeer: 1, progressIntervalMs: 0 },
    });
    const [high, low] = seed.lib.library.list();
    await waitFor(
      () =>
        fetcher.catalog.holdersOf(high!.id).length === 1 && fetcher.catalog.holdersOf(low!.id).length === 1,
      'both listed',
    );
    const done: string[] = [];
    fetcher.fetcher.on('download:done', (r) => done.push(r.trackId));

    // The high-priority download starts as the low one's first chunk lands (from its progress event, not a
    // poll: on loopback the whole low download can finish between two polls).
    const listening = new AbortController();
    const highFetch = new Promise<Promise<unknown>>((resolve) =>
      fetcher.fetcher.on(
        'download:progress',
        (p) => {
          if (p.trackId !== low!.id || p.haveChunks === 0) return;
          listening.abort();
          resolve(fetcher.fetcher.fetchTrack(high!.id, { priority: 10 }));
        },
        { signal: listening.signal },
      ),
    );
    const lowFetch = fetcher.fetcher.fetchTrack(low!.id, { priority: 0 });
    await Promise.all([lowFetch, await highFetch]);

    expect(done).toEqual([high!.id, low!.id]);
  });

  // Under the full suite this hung in two of four .ci/runs (16 requests, 39 chunks fetched, 8 requests failed by
  // the drop, a connection to the seeder again, and no further request for 40 s), and passed in the next one.
  // If it hangs again, the message says where the download stands (`downloadState`): what is in flight, who may
  // be asked, and which timers are set.
  it('finishes a download from its only holder after the connection to it drops mid-download', async () => {
    const { seeds, fetcher, track, fileBytes } = await swarm(1, 8 * 1024 * 1024, { progressIntervalMs: 0 });
    const seed = seeds[0]!;
    const seedId = seed.node.libp2p.peerId;
    let dropped: Promise<void> | null = null;
    const reconnect = async () => {
      // Every request in flight fails at once (a Wi-Fi blip, a connection replaced): the holder must not be
      // struck off for good, or a download with no other holder can never finish.
      await fetcher.node.libp2p.hangUp(seedId);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let attempt = 0; fetcher.node.libp2p.getConnections(seedId).length === 0; attempt++) {
        if (attempt === 20) throw new Error('could not reconnect to the seeder');
        await fetcher.node.libp2p.dial(seed.node.libp2p.getMultiaddrs()[0]!).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    fetcher.fetcher.on('download:progress', (p) => {
      if (p.haveChunks >= 10 && !dropped) dropped = reconnect();
    });
    const fetching = fetcher.fetcher.fetchTrack(track.id);
    // (Stuck rather than failed: say where, well within the test's time.)
    const stuck = new Promise<never>((_, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no end after 40 s: ${JSON.stringify(fetcher.fetcher.stats())}, ${JSON.stringify(fetcher.fetcher.downloadState(track.id))}, connections ${fetcher.node.libp2p.getConnections(seedId).length}`,
            ),
          ),
        40_000,
      );
      void fetching.finally(() => clearTimeout(timer)).catch(() => undefined);
    });
    const result = await Promise.race([fetching, stuck]);
    expect(dropped).not.toBeNull();
    await dropped;
    expect(result.presentChunks + result.fetchedChunks).toBe(track.chunkCount);
    expect(Buffer.from(await fetcher.fetcher.readTrack(track.id)).equals(fileBytes)).toBe(true);
  });

  it('fails a download no live peer can serve', async () => {
    const { seeds, fetcher, track } = await swarm(1, 1024 * 1024, { stallTimeoutMs: 300 });
    peers.splice(peers.indexOf(seeds[0]!), 1);
    await seeds[0]!.stop();
    await waitFor(() => fetcher.node.connectedPeers().length === 0, 'seeder gone');
    await expect(fetcher.fetcher.fetchTrack(track.id)).rejects.toMatchObject({
      name: 'TrackUnavailableError',
      trackId: track.id,
    });
  });

  it('enforces request limits and answers unknown chunks with MISSING', async () => {
    const room = await newRoom();
    const dir = await noiseLibrary(net, 2 * 1024 * 1024, 11);
    const seed = await peer({ room, libraryDir: dir, server: { maxResponseBytes: 200 * 1024 } });
    const client = await net.node({ room });
    await client.libp2p.dial(seed.node.libp2p.getMultiaddrs()[0]!);
    const chunks = seed.lib.db.chunkList(seed.lib.library.list()[0]!.id);
    const open = async () => {
      const stream = await client.libp2p.dialProtocol(seed.node.libp2p.peerId, seed.server.protocol);
      return { stream, lp: lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes }) };
    };

    // Too many ids in one GET: the request is dropped and the stream ends.
    const tooMany = new Uint8Array(1 + 32 * (chunkLimits.maxIdsPerRequest + 1));
    tooMany[0] = 1;
    let s = await open();
    await s.lp.write(tooMany);
    await expect(s.lp.read()).rejects.toThrow();
    // A frame longer than the protocol allows.
    s = await open();
    await s.lp.write(new Uint8Array(chunkLimits.maxFrameBytes + 100));
    await expect(s.lp.read()).rejects.toThrow();
    await waitFor(
      () => (seed.server.stats().dropped.malformedRequest ?? 0) === 1,
      'malformed request counted',
    );
    await waitFor(
      () => (seed.server.stats().dropped.oversizedRequest ?? 0) === 1,
      'oversized request counted',
    );

    // The byte budget: chunks are served until 200 KiB, the rest is OVER_LIMIT; unknown is MISSING.
    s = await open();
    const ids = chunks.slice(0, 10).map((c) => c.chunkId);
    const unknown = randomBytes(32).toString('hex');
    await s.lp.write(encodeGet([...ids, unknown]));
    const replies = [];
    for (let i = 0; i < ids.length + 1; i++) {
      const reply = decodeGetReply((await s.lp.read()).subarray());
      if (!reply.ok) throw new Error(reply.error);
      replies.push(reply.value);
    }
    const served = replies.filter((r) => r.status === 'ok');
    const servedBytes = served.reduce((n, r) => n + (r.status === 'ok' ? r.bytes.length : 0), 0);
    expect(served.length).toBeGreaterThan(0);
    expect(servedBytes).toBeLessThanOrEqual(200 * 1024);
    expect(replies.slice(served.length).map((r) => r.status)).toEqual([
      ...Array<string>(ids.length - served.length).fill('over-limit'),
      'over-limit',
    ]);
    // The same long-lived stream takes the next request.
    await s.lp.write(encodeGet([unknown, ids[0]!]));
    expect(decodeGetReply((await s.lp.read()).subarray())).toMatchObject({
      ok: true,
      value: { status: 'missing' },
    });
    expect(decodeGetReply((await s.lp.read()).subarray())).toMatchObject({
      ok: true,
      value: { status: 'ok' },
    });
    await s.stream.close();

    // WATCH answers with a full bitmap for a held track, UNKNOWN for another.
    s = await open();
    const trackId = seed.lib.library.list()[0]!.id;
    await s.lp.write(encodeWatch(trackId));
    const watch = decodeWatchReply((await s.lp.read()).subarray(), chunks.length);
    expect(
      watch.ok &&
        watch.value.status === 'bitmap' &&
        watch.value.bitmap.every((b, i) => b === (i < chunks.length >> 3 ? 0xff : b)),
    ).toBe(true);
    await s.stream.close();
    s = await open();
    await s.lp.write(encodeWatch(unknown));
    expect(decodeWatchReply((await s.lp.read()).subarray(), 0)).toMatchObject({
      ok: true,
      value: { status: 'unknown' },
    });
  });
});
