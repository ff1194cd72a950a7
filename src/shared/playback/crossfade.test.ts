import { describe, expect, it } from 'vitest';
import { crossfadeSecAt, type CrossfadeTrack } from './crossfade';
import { aState } from './testing';
import type { PlaybackState } from './state';

const catalog = new Map<string, CrossfadeTrack>([
  ['live1', { album: 'Live at the Hall', trackNo: 1, durationSec: 300 }],
  ['live2', { album: 'live at the hall ', trackNo: 2, durationSec: 280 }],
  ['live4', { album: 'Live at the Hall', trackNo: 4, durationSec: 280 }],
  ['other', { album: 'Other', trackNo: 3, durationSec: 200 }],
  ['single', { album: '', trackNo: 2, durationSec: 200 }],
  ['nonum', { album: 'Live at the Hall', trackNo: null, durationSec: 200 }],
  ['short', { album: 'Other', trackNo: 9, durationSec: 6 }],
]);
const withCrossfade = (s: PlaybackState, sec: number): PlaybackState => ({ ...s, crossfadeSec: sec });

describe('crossfadeSecAt', () => {
  it('is the setting between unrelated tracks, and 0 when the setting is off', () => {
    const s = aState().withQueue('other', 'live1').playing('other').build();
    expect(crossfadeSecAt(withCrossfade(s, 6), catalog)).toBe(6);
    expect(crossfadeSecAt(s, catalog)).toBe(0);
    expect(crossfadeSecAt(withCrossfade(s, 0), catalog)).toBe(0);
  });

  it('is 0 between consecutive tracks of one album played in order', () => {
    const s = withCrossfade(aState().withQueue('live1', 'live2').playing('live1').build(), 8);
    expect(crossfadeSecAt(s, catalog)).toBe(0);
  });

  it('fades where the album order is broken: a gap in track numbers, no number, no album, another album', () => {
    for (const [a, b] of [
      ['live2', 'live4'],
      ['live1', 'nonum'],
      ['single', 'other'],
      ['live2', 'other'],
      ['live2', 'live1'],
    ] as const) {
      const s = withCrossfade(aState().withQueue(a, b).playing(a).build(), 5);
      expect(crossfadeSecAt(s, catalog), `${a} → ${b}`).toBe(5);
    }
  });

  it('fades between album neighbours when the queue is shuffled', () => {
    const s = { ...aState().withQueue('live1', 'live2').playing('live1').build(), unshuffled: [0, 1] };
    expect(crossfadeSecAt(withCrossfade(s, 4), catalog)).toBe(4);
  });

  it('follows the repeat mode: nothing after the last track, the first again under repeat all', () => {
    const last = withCrossfade(aState().withQueue('other', 'live1').playing('live1').build(), 3);
    expect(crossfadeSecAt(last, catalog)).toBe(0);
    expect(crossfadeSecAt({ ...last, repeat: 'all' }, catalog)).toBe(3);
    // From an album's last track back to its first is not "in order".
    const wraps = withCrossfade(
      aState().withQueue('live1', 'live2').playing('live2').repeat('all').build(),
      3,
    );
    expect(crossfadeSecAt(wraps, catalog)).toBe(3);
    expect(
      crossfadeSecAt({ ...withCrossfade(aState().playing('other').build(), 2), repeat: 'one' }, catalog),
    ).toBe(2);
  });

  it('keeps a fade within half of a short track, and uses the setting for unknown tracks', () => {
    const s = withCrossfade(aState().withQueue('other', 'short').playing('other').build(), 12);
    expect(crossfadeSecAt(s, catalog)).toBe(3);
    const unknown = withCrossfade(aState().withQueue('x', 'y').playing('x').build(), 7);
    expect(crossfadeSecAt(unknown, catalog)).toBe(7);
  });

  it('is 0 when stopped', () => {
    expect(crossfadeSecAt(withCrossfade(aState().withQueue('other', 'live1').build(), 5), catalog)).toBe(0);
  });
});
