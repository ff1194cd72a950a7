import { describe, expect, it } from 'vitest';
import { crossfadeSetting, loudnessSetting, type LoudnessChange } from '../../shared/playback/room-sound';
import { aContext, aState } from '../../shared/playback/testing';
import { runReplLine } from './repl';
import { replOnState } from './repl-testing';

const room = () =>
  replOnState(aState().withQueue('a').playing('a').build(), aContext({ a: 100 }), (apply) => ({
    'playback:crossfade': ({ sec }: { sec: number }) => apply({ kind: 'crossfade', sec }),
    'playback:loudness': (l: LoudnessChange) => apply({ kind: 'loudness', ...l }),
  }));

describe('repl: crossfade and loudness', () => {
  it('crossfade shows, sets and turns off the room’s crossfade', async () => {
    const r = room();
    expect(await runReplLine(r.commands, 'crossfade')).toBe('Crossfade off.');
    expect(await runReplLine(r.commands, 'crossfade 6')).toMatch(/^Crossfading 6 s between tracks/);
    expect(crossfadeSetting(r.state())).toBe(6);
    expect(await runReplLine(r.commands, 'crossfade off')).toBe('Crossfade off.');
    expect(crossfadeSetting(r.state())).toBe(0);
    for (const bad of ['crossfade 13', 'crossfade -1', 'crossfade 2.5', 'crossfade soft', 'crossfade 3 4'])
      expect(await runReplLine(r.commands, bad), bad).toMatch(/^Error: usage: crossfade \[N\]/);
    expect(crossfadeSetting(r.state())).toBe(0);
  });

  it('loudness shows and sets the mode, keeping the target unless one is given', async () => {
    const r = room();
    expect(await runReplLine(r.commands, 'loudness')).toBe('Normalising each track to -18 LUFS.');
    expect(await runReplLine(r.commands, 'loudness album -14')).toBe('Normalising each album to -14 LUFS.');
    expect(await runReplLine(r.commands, 'loudness track')).toBe('Normalising each track to -14 LUFS.');
    expect(await runReplLine(r.commands, 'loudness off')).toMatch(/^Loudness normalisation off/);
    expect(loudnessSetting(r.state())).toEqual({ mode: 'off', targetLufs: -14 });
    expect(await runReplLine(r.commands, 'loudness -20')).toMatch(/^Loudness normalisation off/);
    expect(loudnessSetting(r.state())).toEqual({ mode: 'off', targetLufs: -20 });
    for (const bad of [
      'loudness loud',
      'loudness track -2',
      'loudness track quiet',
      'loudness track -18 x',
      'loudness -31',
      'loudness -14 album',
    ])
      expect(await runReplLine(r.commands, bad), bad).toMatch(/^Error: usage: loudness/);
    expect(await runReplLine(r.commands, 'help')).toMatch(
      /crossfade \[N\][\s\S]*loudness \[off\|track\|album\]/,
    );
  });
});
