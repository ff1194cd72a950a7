import { describe, expect, it } from 'vitest';
import { initialPlaybackState, type PlaybackCommand, type PlaybackState } from './state';
import { applyCommand } from './commands';
import { crossfadeSetting, DEFAULT_LOUDNESS, loudnessSetting } from './room-sound';
import { aContext, aState, BUILDER_NOW_MS as NOW } from './testing';
import { commandValidator, stateValidator } from './validate';

const ctx = aContext({ t1: 180 }, { epoch: 2 });
const apply = (state: PlaybackState, command: PlaybackCommand) => {
  const r = applyCommand(state, command, NOW, ctx);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('room sound settings in the playback state', () => {
  it('default to crossfade off and track normalisation at -18 LUFS', () => {
    const s = initialPlaybackState();
    expect(crossfadeSetting(s)).toBe(0);
    expect(loudnessSetting(s)).toEqual({ mode: 'track', targetLufs: -18 });
    expect(DEFAULT_LOUDNESS).toEqual(loudnessSetting({}));
  });

  it('change by command in a new version, leaving the timeline alone', () => {
    const playing = aState().playing('t1').at(30).build();
    const faded = apply(playing, { kind: 'crossfade', sec: 6 });
    expect(faded.version).toBe(playing.version + 1);
    expect(crossfadeSetting(faded)).toBe(6);
    expect(faded.anchor).toEqual(playing.anchor);
    const album = apply(faded, { kind: 'loudness', mode: 'album', targetLufs: -14 });
    expect(loudnessSetting(album)).toEqual({ mode: 'album', targetLufs: -14 });
    expect(crossfadeSetting(album)).toBe(6);
  });

  it('take a loudness change of one field onto the current setting, so two quick changes both land', () => {
    const s = aState().build();
    // The mode from one control, then the target from another sent before the first came back.
    const album = apply(s, { kind: 'loudness', mode: 'album' });
    const louder = apply(album, { kind: 'loudness', targetLufs: -14 });
    expect(loudnessSetting(louder)).toEqual({ mode: 'album', targetLufs: -14 });
    expect(loudnessSetting(apply(louder, { kind: 'loudness', mode: 'off' }))).toEqual({
      mode: 'off',
      targetLufs: -14,
    });
  });

  it('keep the same state object when nothing changes', () => {
    const s = aState().build();
    expect(apply(s, { kind: 'crossfade', sec: 0 })).toBe(s);
    expect(apply(s, { kind: 'loudness', mode: 'track', targetLufs: -18 })).toBe(s);
  });

  it('are validated on the wire: commands in range, states with or without them', () => {
    expect(commandValidator({ kind: 'crossfade', sec: 12 }).ok).toBe(true);
    expect(commandValidator({ kind: 'loudness', mode: 'track' }).ok).toBe(true);
    expect(commandValidator({ kind: 'loudness', targetLufs: -14 }).ok).toBe(true);
    const empty = commandValidator({ kind: 'loudness' });
    expect(!empty.ok && empty.error).toMatch(/expected mode or targetLufs/);
    for (const bad of [
      { kind: 'crossfade', sec: 13 },
      { kind: 'crossfade', sec: 2.5 },
      { kind: 'crossfade', sec: -1 },
      { kind: 'loudness', mode: 'loud', targetLufs: -18 },
      { kind: 'loudness', mode: 'track', targetLufs: -3 },
      { kind: 'loudness', mode: 'track', targetLufs: Number.NaN },
      { kind: 'loudness' },
      { kind: 'loudness', mode: 'track', extra: 1 },
    ])
      expect(commandValidator(bad).ok, JSON.stringify(bad)).toBe(false);
    const base = aState().playing('t1').build();
    // A leader from a build before these settings sends neither field: read as the defaults.
    const { crossfadeSec: _c, loudness: _l, ...old } = base;
    const read = stateValidator(old);
    expect(read.ok && crossfadeSetting(read.value)).toBe(0);
    const set = apply(apply(base, { kind: 'crossfade', sec: 3 }), {
      kind: 'loudness',
      mode: 'off',
      targetLufs: -20,
    });
    const again = stateValidator(JSON.parse(JSON.stringify(set)));
    expect(again.ok && again.value).toEqual(set);
    expect(stateValidator({ ...set, crossfadeSec: 40 }).ok).toBe(false);
    expect(stateValidator({ ...set, loudness: { mode: 'track', targetLufs: -18, extra: 1 } }).ok).toBe(false);
  });
});
