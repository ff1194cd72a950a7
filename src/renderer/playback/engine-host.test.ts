import { describe, expect, it } from 'vitest';
import { aState } from '../../shared/playback/testing';
import { scheduleFor, tracksToPrepare } from './engine-host';

describe('engine host', () => {
  it('plays the current track from its anchor, and nothing when stopped', () => {
    const playing = aState().playing('t1').at(12).build();
    expect(scheduleFor(playing)).toMatchObject({ trackId: 't1', paused: false, anchor: { positionSec: playing.anchor.positionSec } });
    expect(scheduleFor(null)).toBeNull();
    expect(scheduleFor(aState().build())).toBeNull();
  });

  it('decodes the current track, then the next one', () => {
    const state = aState().withQueue('a', 'b', 'c').playing('b').build();
    expect(tracksToPrepare(state)).toEqual(['b', 'c']);
    expect(tracksToPrepare(aState().withQueue('a').playing('a').build())).toEqual(['a']);
  });
});
