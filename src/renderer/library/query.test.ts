import { describe, expect, it } from 'vitest';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { defaultQuery, queryTracks, visibleRange } from './query';

let next = 0;
const aTrack = (over: Partial<RoomTrack>): RoomTrack => ({
  index: next++,
  trackId: String(next).padStart(64, '0'),
  title: 'Untitled',
  artist: 'Unknown',
  album: '',
  trackNo: null,
  durationSec: 200,
  codec: 'MP3',
  sizeBytes: 1,
  hasCover: false,
  holders: [],
  local: true,
  ...over,
});

const tracks = [
  aTrack({ title: 'Blue in Green', artist: 'Miles Davis', album: 'Kind of Blue', durationSec: 337 }),
  aTrack({ title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', durationSec: 562, local: false }),
  aTrack({ title: 'Café', artist: 'Ånimal', album: 'Zoo', durationSec: 100 }),
  aTrack({ title: 'Track 10', artist: 'B', album: 'A', durationSec: 1 }),
  aTrack({ title: 'Track 9', artist: 'B', album: 'A', durationSec: 2 }),
];

describe('queryTracks', () => {
  it('matches every word across title, artist and album, ignoring case and accents', () => {
    expect(queryTracks(tracks, { ...defaultQuery, text: 'miles blue' }).map((t) => t.title)).toEqual([
      'Blue in Green',
      'So What',
    ]);
    expect(queryTracks(tracks, { ...defaultQuery, text: 'cafe animal' }).map((t) => t.title)).toEqual([
      'Café',
    ]);
    expect(queryTracks(tracks, { ...defaultQuery, text: 'nothing here' })).toEqual([]);
  });

  it('filters by where the track is', () => {
    expect(queryTracks(tracks, { ...defaultQuery, availability: 'remote' }).map((t) => t.title)).toEqual([
      'So What',
    ]);
    expect(queryTracks(tracks, { ...defaultQuery, availability: 'local' })).toHaveLength(4);
  });

  it('sorts naturally by text and by number, both directions', () => {
    expect(
      queryTracks(tracks, { ...defaultQuery, text: 'track', sort: 'title' }).map((t) => t.title),
    ).toEqual(['Track 9', 'Track 10']);
    expect(queryTracks(tracks, { ...defaultQuery, sort: 'durationSec', descending: true })[0]?.title).toBe(
      'So What',
    );
  });

  it('searches 50,000 tracks', () => {
    const many = Array.from({ length: 50_000 }, (_, i) =>
      aTrack({ title: `Song ${i}`, artist: `Artist ${i % 300}` }),
    );
    const result = queryTracks(many, { ...defaultQuery, text: 'artist 42', sort: 'title' });
    expect(result.every((t) => `${t.title} ${t.artist}`.includes('42'))).toBe(true);
    expect(result.length).toBeGreaterThan(0);
  });
});

describe('visibleRange', () => {
  it('renders only the rows in view plus overscan', () => {
    expect(visibleRange(0, 360, 36, 50_000)).toEqual({ start: 0, end: 18 });
    expect(visibleRange(36_000, 360, 36, 50_000)).toEqual({ start: 992, end: 1018 });
    expect(visibleRange(0, 360, 36, 3)).toEqual({ start: 0, end: 3 });
  });
});
