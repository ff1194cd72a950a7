import { describe, expect, it } from 'vitest';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { albumsOf, UNKNOWN_ALBUM } from './albums';

let next = 0;
const aTrack = (over: Partial<RoomTrack>): RoomTrack => ({
  index: next,
  trackId: `t${next++}`,
  title: 'Song',
  artist: 'Band',
  album: 'Album',
  trackNo: null,
  durationSec: 100,
  codec: 'MP3',
  sizeBytes: 1,
  hasCover: false,
  holders: [],
  local: true,
  ...over,
});

describe('albumsOf', () => {
  it('groups by album title and orders each album by track number, then title', () => {
    const albums = albumsOf([
      aTrack({ album: 'Blue', title: 'Three', trackNo: 3 }),
      aTrack({ album: 'Blue', title: 'One', trackNo: 1 }),
      aTrack({ album: 'Alpha', title: 'Only', trackNo: 1 }),
      aTrack({ album: 'blue ', title: 'Two', trackNo: 2 }),
      aTrack({ album: 'Blue', title: 'Bonus b', trackNo: null }),
      aTrack({ album: 'Blue', title: 'Bonus a', trackNo: null }),
    ]);
    expect(albums.map((a) => a.title)).toEqual(['Alpha', 'Blue']);
    expect(albums[1]?.tracks.map((t) => t.title)).toEqual(['One', 'Two', 'Three', 'Bonus a', 'Bonus b']);
    expect(albums[1]?.durationSec).toBe(500);
  });

  it('names the shared artist, or Various artists; tracks without an album come last', () => {
    const albums = albumsOf([
      aTrack({ album: '', title: 'Loose' }),
      aTrack({ album: 'Mix', artist: 'A' }),
      aTrack({ album: 'Mix', artist: 'B' }),
      aTrack({ album: 'Solo', artist: 'C' }),
    ]);
    expect(albums.map((a) => [a.title, a.artist])).toEqual([
      ['Mix', 'Various artists'],
      ['Solo', 'C'],
      [UNKNOWN_ALBUM, 'Band'],
    ]);
  });
});
