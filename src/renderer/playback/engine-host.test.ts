import { afterEach, describe, expect, it, vi } from 'vitest';
import { aState } from '../../shared/playback/testing';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { createPreparer, scheduleFor, tracksToPrepare, withGain } from './engine-host';

describe('engine host', () => {
  it('plays the current track from its anchor, and nothing when stopped', () => {
    const playing = aState().playing('t1').at(12).build();
    expect(scheduleFor(playing)).toMatchObject({
      trackId: 't1',
      paused: false,
      anchor: { positionSec: playing.anchor.positionSec },
    });
    expect(scheduleFor(null)).toBeNull();
    const source = { sourceId: 'src1', name: 'Turntable', peerId: 'p' };
    const live = { ...playing, currentIndex: null, source, anchor: { groupTimeMs: 5000, positionSec: 0 } };
    expect(scheduleFor(live)).toEqual({
      trackId: 'src1',
      anchor: { groupTimeMs: 5000, positionSec: 0 },
      paused: false,
      live: true,
    });
    expect(scheduleFor(aState().build())).toBeNull();
  });

  it('holds a start the leader holds: its anchor is a placeholder, nothing is decoded for it', () => {
    const playing = aState().playing('t1').at(0).build();
    expect(scheduleFor({ ...playing, starting: true })).toMatchObject({ trackId: 't1', held: true });
    expect(scheduleFor(playing)).not.toHaveProperty('held');
  });

  it('carries the track placed next, unless paused or no longer matching the queue', () => {
    const playing = aState().withQueue('t1', 't2').playing('t1').build();
    const next = { index: 1, trackId: 't2', anchor: { groupTimeMs: 9000, positionSec: 0 }, overlapSec: 3 };
    expect(scheduleFor({ ...playing, next })?.next).toEqual({
      trackId: 't2',
      anchor: { groupTimeMs: 9000, positionSec: 0 },
      overlapSec: 3,
    });
    expect(scheduleFor(playing)).not.toHaveProperty('next');
    expect(scheduleFor({ ...playing, next: { ...next, trackId: 't3' } })).not.toHaveProperty('next');
    const paused = { ...playing, paused: true, pausedAtSec: 3, next };
    expect(scheduleFor(paused)).not.toHaveProperty('next');
  });

  it('plays a track at the room loudness: track mode by its own loudness, off at 0 dB', () => {
    const loud = {
      lufs: -9,
      truePeakDb: -0.5,
      rgTrackGainDb: null,
      rgTrackPeak: null,
      rgAlbumGainDb: null,
      rgAlbumPeak: null,
    };
    const tracks = [
      { trackId: 't1', album: 'A', durationSec: 100, loudness: loud },
      { trackId: 't2', album: 'A', durationSec: 100, loudness: null },
    ] as unknown as RoomTrack[];
    const state = aState().withQueue('t1', 't2').playing('t1').build();
    const trackMode = { ...state, loudness: { mode: 'track' as const, targetLufs: -18 } };
    expect(withGain(scheduleFor(trackMode), trackMode, tracks)?.gainDb).toBe(-9);
    const off = { ...state, loudness: { mode: 'off' as const, targetLufs: -18 } };
    expect(withGain(scheduleFor(off), off, tracks)?.gainDb).toBe(0);
    // Nothing known of a track: played as it is.
    const second = aState().withQueue('t1', 't2').playing('t2').build();
    expect(withGain(scheduleFor(second), { ...second, loudness: trackMode.loudness }, tracks)?.gainDb).toBe(
      0,
    );
  });

  it('gives the track placed next its own loudness gain', () => {
    const reading = (lufs: number) => ({
      lufs,
      truePeakDb: -10,
      rgTrackGainDb: null,
      rgTrackPeak: null,
      rgAlbumGainDb: null,
      rgAlbumPeak: null,
    });
    const tracks = [
      { trackId: 't1', album: 'A', durationSec: 100, loudness: reading(-9) },
      { trackId: 't2', album: 'B', durationSec: 100, loudness: reading(-24) },
    ] as unknown as RoomTrack[];
    const playing = aState().withQueue('t1', 't2', 't3').playing('t1').build();
    const next = { index: 1, trackId: 't2', anchor: { groupTimeMs: 9000, positionSec: 0 }, overlapSec: 0 };
    const state = { ...playing, next, loudness: { mode: 'track' as const, targetLufs: -18 } };
    const schedule = withGain(scheduleFor(state), state, tracks);
    expect(schedule?.gainDb).toBe(-9);
    expect(schedule?.next?.gainDb).toBe(6);
    // A next track the room knows nothing of: played as it is.
    const unknown = { ...state, next: { ...next, index: 2, trackId: 't3' } };
    expect(withGain(scheduleFor(unknown), unknown, tracks)?.next).not.toHaveProperty('gainDb');
  });

  it('decodes the current track, then the next one', () => {
    const state = aState().withQueue('a', 'b', 'c').playing('b').build();
    expect(tracksToPrepare(state)).toEqual(['b', 'c']);
    expect(tracksToPrepare(aState().withQueue('a').playing('a').build())).toEqual(['a']);
    // Repeating the queue, the last track is followed by the first; repeating one, by itself.
    const last = aState().withQueue('a', 'b', 'c').playing('c');
    expect(tracksToPrepare(last.repeat('all').build())).toEqual(['c', 'a']);
    expect(tracksToPrepare(last.repeat('one').build())).toEqual(['c']);
  });

  describe('preparer', () => {
    afterEach(() => vi.useRealTimers());

    function setup(failing = new Set<string>(), sounding = new Set<string>()) {
      vi.useFakeTimers();
      const log: string[] = [];
      const preparer = createPreparer({
        preload: async (id) => {
          log.push(`decode ${id}`);
          if (failing.has(id)) throw new Error('decode failed');
        },
        ready: async (id) => log.push(`ready ${id}`),
        sounding: (id) => sounding.has(id),
        nextDelayMs: 5000,
      });
      return { log, preparer };
    }

    it('a track that already sounds here (a gapless change of track) is reported ready without a decode', async () => {
      const sounding = new Set<string>();
      const { log, preparer } = setup(new Set(), sounding);
      preparer.follow(aState().withQueue('a', 'b', 'c').playing('a').version(3).build());
      await vi.advanceTimersByTimeAsync(6000);
      expect(log).toEqual(['decode a', 'ready a', 'decode b', 'ready b']);
      // The player moved on to b at the end of a; the state that names b comes just after.
      sounding.add('b');
      preparer.follow(aState().withQueue('a', 'b', 'c').playing('b').version(4).build());
      await vi.advanceTimersByTimeAsync(0);
      expect(log.slice(4)).toEqual(['ready b']);
      await vi.advanceTimersByTimeAsync(5100);
      expect(log.slice(4)).toEqual(['ready b', 'decode c', 'ready c']);
    });

    it('reports the current track at once and decodes the next one only 5 s after it', async () => {
      const { log, preparer } = setup();
      preparer.follow(aState().withQueue('a', 'b').playing('a').version(3).build());
      await vi.advanceTimersByTimeAsync(0);
      expect(log).toEqual(['decode a', 'ready a']);
      await vi.advanceTimersByTimeAsync(4900);
      expect(log).toEqual(['decode a', 'ready a']);
      await vi.advanceTimersByTimeAsync(200);
      expect(log).toEqual(['decode a', 'ready a', 'decode b', 'ready b']);
    });

    it('a republished state neither repeats the reports nor holds the next track back', async () => {
      const { log, preparer } = setup();
      const state = aState().withQueue('a', 'b').playing('a').version(3).build();
      preparer.follow(state);
      for (let i = 0; i < 4; i++) {
        await vi.advanceTimersByTimeAsync(2000);
        preparer.follow({ ...state });
      }
      expect(log).toEqual(['decode a', 'ready a', 'decode b', 'ready b']);
    });

    it('a new state before the delay replaces the pending next track; stop cancels it', async () => {
      const { log, preparer } = setup();
      preparer.follow(aState().withQueue('a', 'b', 'c').playing('a').version(3).build());
      await vi.advanceTimersByTimeAsync(1000);
      preparer.follow(aState().withQueue('a', 'b', 'c').playing('b').version(4).build());
      await vi.advanceTimersByTimeAsync(6000);
      expect(log).toEqual(['decode a', 'ready a', 'decode b', 'ready b', 'decode c', 'ready c']);
      preparer.follow(aState().withQueue('a', 'b', 'c').playing('a').version(5).build());
      await vi.advanceTimersByTimeAsync(0);
      preparer.stop();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(log.slice(6)).toEqual(['decode a', 'ready a']);
    });

    it('the release of a held start is not got ready again; a new play of the track is', async () => {
      const { log, preparer } = setup();
      const held = aState().withQueue('a', 'b').playing('a').starting(9000).version(3).build();
      preparer.follow(held);
      await vi.advanceTimersByTimeAsync(0);
      expect(log).toEqual(['decode a', 'ready a']);
      // Released in a new version at the same place: already reported (and the next track keeps its delay).
      preparer.follow({
        ...held,
        starting: false,
        version: 4,
        anchor: { ...held.anchor, groupTimeMs: 8000 },
      });
      await vi.advanceTimersByTimeAsync(4000);
      expect(log).toEqual(['decode a', 'ready a']);
      await vi.advanceTimersByTimeAsync(1100);
      expect(log).toEqual(['decode a', 'ready a', 'decode b', 'ready b']);
      // A seek is a new state to report for, as before.
      preparer.follow({
        ...held,
        starting: false,
        version: 5,
        anchor: { groupTimeMs: 9500, positionSec: 30 },
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(log.slice(4)).toEqual(['decode a', 'ready a']);
    });

    it('a failed decode is not reported and is tried again with the next state; the next track still is', async () => {
      const failing = new Set(['a']);
      const { log, preparer } = setup(failing);
      preparer.follow(aState().withQueue('a', 'b').playing('a').version(3).build());
      await vi.advanceTimersByTimeAsync(10_000);
      expect(log).toEqual(['decode a', 'decode b', 'ready b']);
      failing.clear();
      preparer.follow(aState().withQueue('a', 'b').playing('a').version(4).build());
      await vi.advanceTimersByTimeAsync(0);
      expect(log.slice(3)).toEqual(['decode a', 'ready a']);
    });
  });
});
