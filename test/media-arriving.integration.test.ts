/**
 * A track held only by another peer is served as it arrives (#25 item 3): its chunks come from the
 * front, a byte range is answered once the chunks under it are stored, and the whole file still
 * arrives byte-exact. The peers talk through a delaying proxy (100 ms each way), so the download of
 * the whole file takes seconds while its head is there after a few round trips.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeNoiseWav } from '../src/main/swarm/testing/swarm-peer';
import { delayedRoute, type NetemProxy } from './support/netem-proxy';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { getStatus } from './support/status';

let peers: TestPeer[] = [];
let proxy: NetemProxy | null = null;
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  await proxy?.close();
  proxy = null;
});

describe('a track still arriving', () => {
  it('answers the head of a file held only by another peer before the file is whole', async () => {
    const music = mkdtempSync(path.join(os.tmpdir(), 'firefly-arriving-'));
    const file = path.join(music, 'long.wav');
    await writeNoiseWav(file, 24 * 1024 ** 2, 11);
    const seeder = await launchPeer({ name: 'seeder', args: ['--library', music, '--priority', '5'] });
    peers.push(seeder);
    const seederAddr = seeder.addrs.find((a) => a.includes('/127.0.0.1/tcp/')) as string;
    const route = await delayedRoute(seederAddr, 100);
    proxy = route.proxy;
    const viaProxy = route.addr;
    const fetcher = await launchPeer({ name: 'fetcher', args: ['--bootstrap', viaProxy] });
    peers.push(fetcher);
    await expect
      .poll(async () => (await (await apiFetch(fetcher.ui, '/api/tracks')).json()) as unknown[], {
        timeout: 60_000,
      })
      .toHaveLength(1);
    const [track] = (await (await apiFetch(fetcher.ui, '/api/tracks')).json()) as { trackId: string }[];
    const url = `/media/track/${track!.trackId}`;
    const original = readFileSync(file);

    const head = await apiFetch(fetcher.ui, url, { headers: { range: 'bytes=0-65535' } });
    expect(head.status).toBe(206);
    expect(Buffer.from(await head.arrayBuffer()).equals(original.subarray(0, 65536))).toBe(true);
    const download = (await getStatus(fetcher.ui)).downloads?.[track!.trackId];
    console.log(
      `head answered with ${download?.haveChunks ?? '?'} of ${download?.totalChunks ?? '?'} chunks here`,
    );
    expect(download?.done).toBe(false);
    expect(download!.haveChunks).toBeLessThan(download!.totalChunks / 2);

    const whole = await apiFetch(fetcher.ui, url);
    if (whole.status !== 200)
      console.log(
        `whole file: ${whole.status}; fetcher's log:\n${(await getStatus(fetcher.ui)).log.join('\n')}`,
      );
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(original)).toBe(true);
  }, 180_000);
});
