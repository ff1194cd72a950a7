import { describe, expect, it } from 'vitest';
import { albumLufs, albumTracksOf, trackGainDb, type LoudnessTrack, type TrackLoudness } from './loudness';
import type { LoudnessSetting } from './room-sound';

const unknown: TrackLoudness = {
  lufs: null,
  truePeakDb: null,
  rgTrackGainDb: null,
  rgTrackPeak: null,
  rgAlbumGainDb: null,
  rgAlbumPeak: null,
};
const aTrack = (over: Partial<TrackLoudness>, durationSec = 200): LoudnessTrack => ({
  loudness: { ...unknown, ...over },
  durationSec,
});
const track = (lufs: number, truePeakDb: number, durationSec = 200) =>
  aTrack({ lufs, truePeakDb }, durationSec);
const trackMode: LoudnessSetting = { mode: 'track', targetLufs: -18 };
const albumMode: LoudnessSetting = { mode: 'album', targetLufs: -18 };

describe('trackGainDb', () => {
  it('brings a track to the target: a loud master down, a quiet one up', () => {
    expect(trackGainDb(track(-9, -3), [], trackMode)).toBeCloseTo(-9);
    expect(trackGainDb(track(-23, -10), [], trackMode)).toBeCloseTo(5);
    expect(trackGainDb(track(-9, -0.1), [], { mode: 'track', targetLufs: -14 })).toBeCloseTo(-5);
  });

  it('is 0 when off, and when nothing is known of the track', () => {
    expect(trackGainDb(track(-9, -3), [], { mode: 'off', targetLufs: -18 })).toBe(0);
    expect(trackGainDb({}, [], trackMode)).toBe(0);
    expect(trackGainDb(aTrack({}), [], albumMode)).toBe(0);
  });

  it('lowers a boost so the true peak stays at or below -1 dBTP', () => {
    // -24 LUFS wants +6 dB, but a -3 dBTP peak allows only +2.
    expect(trackGainDb(track(-24, -3), [], trackMode)).toBeCloseTo(2);
    // A track already peaking above the ceiling is cut even if its loudness is on target.
    expect(trackGainDb(track(-18, 0.5), [], trackMode)).toBeCloseTo(-1.5);
  });

  it('gives a quiet track at most +12 dB, and treats silence as unknown', () => {
    expect(trackGainDb(track(-45, -40), [], trackMode)).toBe(12);
    expect(trackGainDb(track(-70, -90), [], trackMode)).toBe(0);
  });

  it('uses ReplayGain tags where nothing was measured, and a measurement over tags', () => {
    // A track gain of -6 dB says -12 LUFS (ReplayGain 2's reference is -18 LUFS).
    const tagged = aTrack({ rgTrackGainDb: -6, rgTrackPeak: 0.5 });
    expect(trackGainDb(tagged, [], trackMode)).toBeCloseTo(-6);
    expect(trackGainDb(tagged, [], { mode: 'track', targetLufs: -14 })).toBeCloseTo(-2);
    // Peak 0.5 = -6.02 dBFS: a boost to -8 LUFS (+4 dB) is held to +5.02 - ... i.e. -1 - (-6.02).
    expect(
      trackGainDb(aTrack({ rgTrackGainDb: -2, rgTrackPeak: 0.5 }), [], { mode: 'track', targetLufs: -5 }),
    ).toBeCloseTo(-1 + 6.0206, 3);
    const both = aTrack({ lufs: -20, truePeakDb: -10, rgTrackGainDb: -6, rgTrackPeak: 0.9 });
    expect(trackGainDb(both, [], trackMode)).toBeCloseTo(2);
  });

  it('in album mode moves every track of an album by one gain, keeping their balance', () => {
    const quiet = track(-24, -12);
    const loud = track(-12, -4);
    const album = [quiet, loud];
    const gQuiet = trackGainDb(quiet, album, albumMode);
    const gLoud = trackGainDb(loud, album, albumMode);
    expect(gQuiet).toBe(gLoud);
    // Energy mean of -24 and -12 LUFS, equal lengths: 10·log10((10^-2.4 + 10^-1.2)/2) ≈ -14.74.
    expect(albumLufs(album)).toBeCloseTo(-14.74, 2);
    // -18 - (-14.74) = -3.26 dB; the album's peak (-4 dBTP) needs no limit.
    expect(gQuiet).toBeCloseTo(-3.26, 2);
  });

  it('weights an album by track length and limits by the album’s highest peak', () => {
    const long = track(-20, -10, 600);
    const short = track(-10, -1.5, 60);
    expect(albumLufs([long, short])).toBeCloseTo(10 * Math.log10((600 * 1e-2 + 60 * 1e-1) / 660), 6);
    // A boost for the album would push the short track's -1.5 dBTP peak over: held to +0.5.
    const quietAlbum = [track(-30, -20, 600), track(-22, -1.5, 60)];
    expect(trackGainDb(quietAlbum[0] as LoudnessTrack, quietAlbum, albumMode)).toBeCloseTo(0.5);
  });

  it('in album mode falls back to the album tags, then to the track alone', () => {
    const tagged = aTrack({ rgAlbumGainDb: -4, rgAlbumPeak: 0.25 });
    expect(trackGainDb(tagged, [tagged], albumMode)).toBeCloseTo(-4);
    expect(trackGainDb(track(-15, -5), [], albumMode)).toBeCloseTo(-3);
  });

  it('reads the setting from a playback state, normalising by default', () => {
    expect(trackGainDb(track(-12, -3), [], {})).toBeCloseTo(-6);
    expect(trackGainDb(track(-12, -3), [], { loudness: { mode: 'off', targetLufs: -18 } })).toBe(0);
  });
});

describe('albumTracksOf', () => {
  it('finds the album’s tracks by title as the Albums view groups them; no title is an album of one', () => {
    const tracks = [
      { id: 1, album: 'Kind of Blue' },
      { id: 2, album: ' kind of blue' },
      { id: 3, album: 'Other' },
      { id: 4, album: '' },
      { id: 5, album: '' },
    ];
    expect(albumTracksOf(tracks[0] as (typeof tracks)[0], tracks).map((t) => t.id)).toEqual([1, 2]);
    expect(albumTracksOf(tracks[3] as (typeof tracks)[0], tracks).map((t) => t.id)).toEqual([4]);
  });
});
