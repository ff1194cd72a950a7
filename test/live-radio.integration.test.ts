/**
 * An internet radio source on a real headless peer (#22): a local station streams an MP3 with ICY
 * metadata; the peer lists the source with the station's title in `GET /api/sources` (what Now
 * Playing shows), and the room plays it like any source.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveSourceList } from '../src/shared/live/sources';
import { startStation, type Station } from '../src/main/live/testing/icy-station';
import { makeTone } from './audio/make-audio';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { waitForStatuses } from './support/status';

let peers: TestPeer[] = [];
let station: Station | null = null;
let dir: string | null = null;
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  await station?.close();
  station = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a radio source on a peer', () => {
  it('lists the station with its ICY title and plays it', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-radio-'));
    const mp3 = path.join(dir, 'tone.mp3');
    await makeTone(mp3, { format: 'mp3', durationSec: 3 });
    station = await startStation({
      file: readFileSync(mp3),
      bytesPerSec: 24_000,
      metaInt: 8000,
      titles: ['Firefly Tests - Radio Tone'],
    });
    const peer = await launchPeer({
      name: 'radio',
      args: ['--leader', '--source', `${station.url}#name=Test%20FM`],
    });
    peers.push(peer);
    const deadline = Date.now() + 30_000;
    let list: LiveSourceList | null = null;
    for (;;) {
      list = (await (await apiFetch(peer.ui, '/api/sources')).json()) as LiveSourceList;
      const s = list.sources[0];
      if ((s?.title && s.state === 'running') || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(list.sources[0]).toMatchObject({
      name: 'Test FM',
      kind: 'http',
      state: 'running',
      title: 'Firefly Tests - Radio Tone',
      codec: 'opus',
    });
    const play = await apiFetch(peer.ui, '/api/play', { body: { sourceId: 'test fm' } });
    expect(play.status, await play.clone().text()).toBe(200);
    await waitForStatuses([peer.ui], (ss) => ss[0]?.playback.source?.name === 'Test FM', {
      what: 'the radio playing',
    });
  });
});
