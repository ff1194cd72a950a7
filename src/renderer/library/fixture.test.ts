import { describe, expect, it } from 'vitest';
import { fixtureCountFromSearch, fixtureTracks, MAX_FIXTURE_TRACKS } from './fixture';

describe('library fixture', () => {
  it('is only switched on by a positive ?fixture=N', () => {
    expect(fixtureCountFromSearch('')).toBeNull();
    expect(fixtureCountFromSearch('?fixture=50000')).toBe(50_000);
    expect(fixtureCountFromSearch('?a=1&fixture=12')).toBe(12);
    expect(fixtureCountFromSearch('?fixture=0')).toBeNull();
    expect(fixtureCountFromSearch('?fixture=lots')).toBeNull();
    expect(fixtureCountFromSearch('?fixture=-3')).toBeNull();
    expect(fixtureCountFromSearch('?fixture=99999999')).toBe(MAX_FIXTURE_TRACKS);
  });

  it('makes exactly N distinct, indexed, plausible tracks, the same every time', () => {
    const tracks = fixtureTracks(50_000);
    expect(tracks).toHaveLength(50_000);
    expect(new Set(tracks.map((t) => t.trackId)).size).toBe(50_000);
    expect(
      tracks.every(
        (t, i) =>
          t.index === i && t.trackId.length === 64 && t.durationSec > 0 && t.title && t.artist && t.album,
      ),
    ).toBe(true);
    const local = tracks.filter((t) => t.local).length;
    expect(local).toBeGreaterThan(10_000);
    expect(local).toBeLessThan(40_000);
    expect(fixtureTracks(20)).toEqual(fixtureTracks(20));
    expect(fixtureTracks(20, 2)).not.toEqual(fixtureTracks(20, 1));
  });
});
