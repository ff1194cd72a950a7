/**
 * Track loudness in the room (#21 item 3): the holder measures its tracks after its scan (real
 * ffmpeg), and every member, one there while it measures and one that joins later, lists the same
 * readings for tracks it does not hold. Real headless peers on loopback, real SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomTrack } from '../src/shared/bridge/contract';
import { trackGainDb } from '../src/shared/playback/loudness';
import { copyInto, testAudio } from './audio/make-audio';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { agreeOnLeader, until, waitForStatuses } from './support/status';

let peers: TestPeer[] = [];
const folders: string[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

const tracksOf = async (peer: TestPeer) =>
  (await apiFetch(peer.ui, '/api/tracks')).json() as Promise<RoomTrack[]>;
const measured = (list: RoomTrack[]) => list.filter((t) => typeof t.loudness?.lufs === 'number');
const readings = (list: RoomTrack[]) =>
  Object.fromEntries(list.map((t) => [t.trackId, [t.loudness?.lufs, t.loudness?.truePeakDb]]));

describe('track loudness in the room', { timeout: 300_000 }, () => {
  it('is measured by the holder after its scan and reaches a member present and one that joins later', async () => {
    const audio = await testAudio();
    const music = mkdtempSync(path.join(os.tmpdir(), 'firefly-loudness-'));
    folders.push(music);
    await copyInto(music, [audio.tones.mp3, audio.tones.flac, audio.tones.ogg]);
    const a = await launchPeer({
      name: 'a',
      args: ['--library', music, '--priority', '9'],
      readyTimeoutMs: 120_000,
    });
    peers = [a];
    const b = await launchPeer({
      name: 'b',
      args: ['--bootstrap', a.addrs[0] as string],
      readyTimeoutMs: 120_000,
    });
    peers = [a, b];
    await waitForStatuses(
      [a.ui, b.ui],
      (s) => agreeOnLeader(s, a.peerId) && s.every((x) => x.members.length === 1),
      {
        what: 'the room to form',
        timeoutMs: 60_000,
      },
    );

    const onA = await until(
      () => tracksOf(a),
      (l) => measured(l).length === 3,
      'a to measure its 3 tracks',
      60_000,
    );
    for (const t of onA) {
      // Test tones: 2 s sines well below full scale; nothing clips.
      expect(t.loudness?.lufs).toBeGreaterThan(-40);
      expect(t.loudness?.lufs).toBeLessThan(-3);
      expect(t.loudness?.truePeakDb).toBeLessThan(0);
      const gain = trackGainDb(t, [], { mode: 'track', targetLufs: -18 });
      expect((t.loudness?.truePeakDb as number) + gain).toBeLessThanOrEqual(-1 + 1e-9);
    }
    const onB = await until(
      () => tracksOf(b),
      (l) => measured(l).length === 3,
      'b to hear a’s readings',
    );
    expect(readings(onB)).toEqual(readings(onA));

    const c = await launchPeer({
      name: 'c',
      args: ['--bootstrap', a.addrs[0] as string],
      readyTimeoutMs: 120_000,
    });
    peers = [a, b, c];
    const onC = await until(
      () => tracksOf(c),
      (l) => measured(l).length === 3,
      'c, joining later, to hear them',
    );
    expect(readings(onC)).toEqual(readings(onA));
  });
});
