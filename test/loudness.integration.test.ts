/**
 * Track loudness in the room (#21 item 3): the holder measures its tracks after its scan (real
 * ffmpeg), and every member, one there while it measures and one that joins later, lists the same
 * readings for tracks it does not hold. Real headless peers on loopback, real SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomTrack } from '../src/shared/bridge/payloads';
import { trackGainDb } from '../src/shared/playback/loudness';
import { testAudio } from './audio/make-audio';
import { apiFetch, type TestPeer } from './support/peers';
import { TestRoom } from './support/room';
import { until } from './support/status';

const room = new TestRoom();
afterEach(() => room.cleanUp());

const tracksOf = async (peer: TestPeer) =>
  (await apiFetch(peer.ui, '/api/tracks')).json() as Promise<RoomTrack[]>;
const measured = (list: RoomTrack[]) => list.filter((t) => typeof t.loudness?.lufs === 'number');
const readings = (list: RoomTrack[]) =>
  Object.fromEntries(list.map((t) => [t.trackId, [t.loudness?.lufs, t.loudness?.truePeakDb]]));

describe('track loudness in the room', { timeout: 300_000 }, () => {
  it('is measured by the holder after its scan and reaches a member present and one that joins later', async () => {
    const audio = await testAudio();
    const { holder: a, member: b } = await room.holderAndMember([
      audio.tones.mp3,
      audio.tones.flac,
      audio.tones.ogg,
    ]);
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

    const c = await room.join('c', a);
    const onC = await until(
      () => tracksOf(c),
      (l) => measured(l).length === 3,
      'c, joining later, to hear them',
    );
    expect(readings(onC)).toEqual(readings(onA));
  });
});
