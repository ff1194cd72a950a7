import { describe, expect, it } from 'vitest';
import { initialPlaybackState, playbackStatus, positionAt, summarize } from './state';
import { BUILDER_NOW_MS as NOW, aState } from './testing';
import { commandValidator, stateValidator } from './validate';

describe('positionAt', () => {
  it('advances in real time from the anchor', () => {
    const s = aState().playing('t1').at(12).build();
    expect(positionAt(s, NOW)).toBe(12);
    expect(positionAt(s, NOW + 1500)).toBe(13.5);
  });

  it('holds the anchor position before a start scheduled in the future', () => {
    const s = aState().playing('t1').at(30).build();
    expect(positionAt(s, NOW - 5000)).toBe(30);
  });

  it('is frozen while paused and zero when stopped', () => {
    const paused = aState().playing('t1').at(40).paused().build();
    expect(positionAt(paused, NOW + 60_000)).toBe(40);
    expect(positionAt(initialPlaybackState(), NOW)).toBe(0);
  });

  it('summarizes for the status report', () => {
    const s = aState().withQueue('t1', 't2').playing('t2').at(5).build();
    expect(summarize(s, NOW + 2000)).toEqual({ state: 'playing', trackId: 't2', positionSec: 7 });
    expect(playbackStatus(aState().playing('t1').paused().build())).toBe('paused');
    expect(playbackStatus(initialPlaybackState())).toBe('stopped');
  });
});

describe('stateValidator: shuffle and repeat', () => {
  it('refuses an unshuffled map that is not a permutation of the queue indexes, and unknown repeat modes', () => {
    const s = aState().withQueue('t1', 't2', 't3').playing('t1').build();
    expect(stateValidator({ ...s, unshuffled: [2, 0, 1] })).toMatchObject({ ok: true });
    expect(stateValidator({ ...s, unshuffled: [0, 0, 1] })).toMatchObject({ ok: false });
    expect(stateValidator({ ...s, unshuffled: [0, 1] })).toMatchObject({ ok: false });
    expect(stateValidator({ ...s, unshuffled: [0, 1, 3] })).toMatchObject({ ok: false });
    expect(stateValidator({ ...s, repeat: 'sometimes' })).toMatchObject({ ok: false });
    // A state from a build before shuffle and repeat reads as neither.
    const { repeat: _r, unshuffled: _u, ...older } = s;
    expect(stateValidator(older)).toEqual({ ok: true, value: { ...s, repeat: 'off', unshuffled: null } });
    expect(commandValidator({ kind: 'repeat', mode: 'one' })).toMatchObject({ ok: true });
    expect(commandValidator({ kind: 'shuffle', on: 'yes' })).toMatchObject({ ok: false });
  });
});
