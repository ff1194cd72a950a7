import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveRoom } from '../net/room';
import { TestNet, waitFor } from '../net/testing/helpers';
import { STREAMING_PRIORITY } from './fetch-types';
import { combinedPace, DownloadPace, paceForTrack } from './download-pace';
import { noiseLibrary, startSwarmPeer, type SwarmPeer } from './testing/swarm-peer';

describe('paceForTrack', () => {
  it('is a few times the byte rate after a burst of the first seconds, with floors', () => {
    // A 3-hour 128 kb/s MP3: 16 kB/s of music.
    expect(paceForTrack(172_800_000, 10_800)).toEqual({ bytesPerSec: 262_144, burstBytes: 1_048_576 });
    // A FLAC at 1 MB/s: 4 MB/s after 15 MB at once.
    expect(paceForTrack(300_000_000, 300)).toEqual({ bytesPerSec: 4_000_000, burstBytes: 15_000_000 });
    expect(paceForTrack(1000, null)).toBeNull();
    expect(paceForTrack(1000, 0)).toBeNull();
  });

  it('grows the budget with time and says how long to wait for more', () => {
    const pace = new DownloadPace({ bytesPerSec: 1000, burstBytes: 500 }, 10_000);
    expect(pace.allowance(10_000)).toBe(500);
    expect(pace.allowance(12_000)).toBe(2500);
    expect(pace.waitMs(400, 100, 10_000)).toBe(0);
    expect(pace.waitMs(400, 200, 10_000)).toBe(100);
  });

  it('paces a shared download only while every caller asks for a pace', () => {
    const slow = { bytesPerSec: 100, burstBytes: 10 };
    const fast = { bytesPerSec: 200, burstBytes: 10 };
    expect(combinedPace([slow, fast])).toBe(fast);
    expect(combinedPace([slow, null])).toBeNull();
    expect(combinedPace([])).toBeNull();
  });
});

const net = new TestNet();
const peers: SwarmPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await net.cleanup();
});

/** A seeder with one noise WAV of `sizeBytes` and a fetcher that lists it. */
async function pair(sizeBytes: number) {
  const room = await deriveRoom(`swarm-pace-${randomBytes(4).toString('hex')}`);
  const dir = await noiseLibrary(net, sizeBytes, 31);
  const seed = await startSwarmPeer({ net, room, libraryDir: dir });
  peers.push(seed);
  const fetcher = await startSwarmPeer({
    net,
    room,
    bootstrap: seed.node.listenAddrs(),
    fetcher: { progressIntervalMs: 0 },
  });
  peers.push(fetcher);
  const track = seed.lib.library.list()[0]!;
  await waitFor(() => fetcher.catalog.holdersOf(track.id).length === 1, 'seeder listed');
  return { seed, fetcher, track };
}

describe('a paced download (real libp2p nodes on loopback)', () => {
  it('never runs ahead of its budget, and takes at least as long as its pace says', async () => {
    const { fetcher, track } = await pair(1536 * 1024);
    const rate = { bytesPerSec: 1024 * 1024, burstBytes: 256 * 1024 };
    const began = performance.now();
    const over: string[] = [];
    fetcher.fetcher.on('download:progress', (p) => {
      const allowed = rate.burstBytes + (rate.bytesPerSec * (performance.now() - began)) / 1000;
      if (p.bytes > allowed) over.push(`${p.bytes} bytes at ${(performance.now() - began).toFixed(0)} ms`);
    });
    const result = await fetcher.fetcher.fetchTrack(track.id, { priority: STREAMING_PRIORITY, pace: rate });
    expect(over).toEqual([]);
    expect(result.bytes).toBe(track.sizeBytes);
    // Unpaced, this takes tens of ms on loopback.
    const chunk = Math.max(...fetcher.lib.db.chunkList(track.id).map((c) => c.lengthBytes));
    const leastMs = ((track.sizeBytes - rate.burstBytes - chunk) / rate.bytesPerSec) * 1000;
    expect(result.durationMs).toBeGreaterThanOrEqual(leastMs);
  });

  it('fetches the bytes a reader waits for at once, whatever the pace', async () => {
    const { fetcher, track } = await pair(3 * 1024 * 1024);
    const chunks = fetcher.lib.db.chunkList(track.id);
    const abort = new AbortController();
    const fetching = fetcher.fetcher
      .fetchTrack(track.id, {
        priority: STREAMING_PRIORITY,
        pace: { bytesPerSec: 32 * 1024, burstBytes: 64 * 1024 },
        signal: abort.signal,
      })
      .catch((e: unknown) => e);
    // The last 100 kB, as a seek near the end asks for them.
    fetcher.fetcher.want(track.id, track.sizeBytes - 100_000, track.sizeBytes);
    const tail = chunks.filter((c) => c.offsetBytes + c.lengthBytes > track.sizeBytes - 100_000);
    await waitFor(() => tail.every((c) => fetcher.lib.library.hasChunk(c.chunkId)), 'the tail fetched');
    // The pace alone would take over a minute to reach the tail; the track is far from whole.
    expect(fetcher.fetcher.progress(track.id)!.haveChunks).toBeLessThan(chunks.length / 2);
    abort.abort();
    expect((await fetching) as Error).toMatchObject({ name: 'FetchAbortedError' });
  });
});
