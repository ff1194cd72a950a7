import { describe, expect, it } from 'vitest';
import {
  isPlaybackMessageType,
  playbackBodyValidators,
  playbackMessageTypes,
  validatePlaybackMessage,
  type PlaybackMessage,
} from './messages';
import { initialPlaybackState } from './state';
import { aState } from './testing';
import { commandValidator, stateValidator } from './validate';

const ALICE = '12D3KooWAlice1111111111111111111111111111111111111';
const TRACK = 'a'.repeat(64);

const samples: PlaybackMessage[] = [
  { type: 'playback:command', to: ALICE, requestId: 'r-1', command: { kind: 'play', index: 3 } },
  { type: 'playback:command', to: ALICE, requestId: 'r-2', command: { kind: 'move', from: 1, to: 0 } },
  { type: 'playback:state', state: aState().withQueue(TRACK).playing(TRACK).at(3).build(), reply: null },
  {
    type: 'playback:state',
    state: initialPlaybackState(),
    reply: { to: ALICE, requestId: 'r-1', error: 'unknown track x' },
  },
  { type: 'playback:sync-request', collect: false },
  { type: 'playback:ready', trackId: TRACK, version: 12 },
  { type: 'playback:lead', needMs: 96 },
  { type: 'playback:unplayable', trackId: TRACK, version: 12, reason: 'This file could not be decoded: x' },
];

const rejects = (input: unknown) => {
  const r = validatePlaybackMessage(input);
  if (r.ok) throw new Error(`expected a rejection of ${JSON.stringify(input)}`);
  return r.error;
};

describe('playback messages', () => {
  it('accept every well-formed message, as a bare body or inside a control envelope', () => {
    for (const msg of samples) {
      expect(validatePlaybackMessage(JSON.parse(JSON.stringify(msg)))).toEqual({ ok: true, value: msg });
      const enveloped = { v: 1, from: ALICE, epoch: 4, seq: 9, ...msg };
      expect(validatePlaybackMessage(enveloped)).toEqual({ ok: true, value: msg });
    }
  });

  it('name their types and provide field validators for the control codec', () => {
    expect(playbackMessageTypes).toEqual([
      'playback:command',
      'playback:state',
      'playback:sync-request',
      'playback:ready',
      'playback:lead',
      'playback:unplayable',
    ]);
    expect(isPlaybackMessageType('playback:state')).toBe(true);
    expect(isPlaybackMessageType('heartbeat')).toBe(false);
    expect(Object.keys(playbackBodyValidators['playback:state'])).toEqual(['state', 'reply']);
    for (const fields of Object.values(playbackBodyValidators)) {
      for (const key of Object.keys(fields)) expect(['v', 'type', 'from', 'epoch', 'seq']).not.toContain(key);
    }
  });

  it('reject unknown types, unknown fields and bad field values with a reason', () => {
    expect(rejects(null)).toBe('expected an object');
    expect(rejects({ type: 'playback:dance' })).toMatch(/type: expected one of/);
    expect(rejects({ type: 'playback:sync-request', collect: true, extra: 1 })).toMatch(
      /unknown field "extra"/,
    );
    expect(rejects({ type: 'playback:ready', trackId: '../etc', version: 1 })).toMatch(/track id/);
    expect(rejects({ type: 'playback:ready', trackId: TRACK, version: -1 })).toMatch(/version/);
    expect(rejects({ type: 'playback:lead', needMs: -5 })).toMatch(/needMs/);
    expect(rejects({ type: 'playback:lead', needMs: 1e9 })).toMatch(/needMs/);
    expect(rejects({ type: 'playback:lead', needMs: 12.5 })).toMatch(/needMs/);
    const unplayable = { type: 'playback:unplayable', trackId: TRACK, version: 1 };
    expect(rejects({ ...unplayable, reason: '' })).toMatch(/reason/);
    expect(rejects({ ...unplayable, reason: 'x'.repeat(301) })).toMatch(/reason/);
    expect(rejects({ ...unplayable, reason: 'two\nlines' })).toMatch(/reason/);
    expect(rejects({ ...unplayable, reason: 'bidi \u202e trick' })).toMatch(/reason/);
    expect(
      rejects({ type: 'playback:command', to: 'not a peer!', requestId: 'r', command: { kind: 'stop' } }),
    ).toMatch(/peer id/);
    expect(
      rejects({ type: 'playback:command', to: ALICE, requestId: 'r', command: { kind: 'explode' } }),
    ).toMatch(/command.kind/);
  });
});

describe('command validator', () => {
  it('checks each kind and the play rule', () => {
    expect(commandValidator({ kind: 'seek', positionSec: 12.5 })).toEqual({
      ok: true,
      value: { kind: 'seek', positionSec: 12.5 },
    });
    expect(commandValidator({ kind: 'play', trackId: TRACK })).toMatchObject({ ok: true });
    expect(commandValidator({ kind: 'play' })).toMatchObject({ ok: false });
    expect(commandValidator({ kind: 'play', index: 1, trackId: TRACK })).toMatchObject({ ok: false });
    expect(commandValidator({ kind: 'seek', positionSec: -1 })).toMatchObject({ ok: false });
    expect(commandValidator({ kind: 'seek', positionSec: Number.NaN })).toMatchObject({ ok: false });
    expect(commandValidator({ kind: 'pause', positionSec: 1 })).toMatchObject({ ok: false });
    expect(commandValidator({ kind: 'enqueue', trackIds: new Array(501).fill(TRACK) })).toMatchObject({
      ok: false,
    });
    expect(commandValidator({ kind: 'remove', index: 1.5 })).toMatchObject({ ok: false });
  });
});

describe('state validator', () => {
  const good = aState().withQueue('t1', 't2').playing('t2').at(4).build();

  it('accepts states the builders and the leader make', () => {
    expect(stateValidator(good)).toEqual({ ok: true, value: good });
    expect(stateValidator(initialPlaybackState())).toMatchObject({ ok: true });
    expect(stateValidator(aState().playing('t1').paused().build())).toMatchObject({ ok: true });
  });

  it('rejects states that break an invariant', () => {
    const bad: unknown[] = [
      { ...good, currentIndex: 2 },
      { ...good, paused: true },
      { ...good, pausedAtSec: 3 },
      { ...good, currentIndex: null, starting: true },
      { ...good, version: -1 },
      { ...good, anchor: { groupTimeMs: Infinity, positionSec: 0 } },
      { ...good, queue: ['ok', 42] },
      { ...good, updatedBy: 'has spaces' },
      // A field this build does not know is dropped, but the ones it knows are still checked.
      { ...good, fromTheFuture: 1, paused: 'yes' },
      'state',
    ];
    for (const input of bad) expect(stateValidator(input).ok, JSON.stringify(input)).toBe(false);
  });

  it('takes a state from a newer build, leaving out the fields it does not know', () => {
    // As a build from before gapless met a leader's `next`: a mixed room must keep following its leader.
    const placed = aState().withQueue('t1', 't2').playing('t1').at(4).build();
    const withNext = {
      ...placed,
      next: { index: 1, trackId: 't2', anchor: { groupTimeMs: 9, positionSec: 0 }, overlapSec: 0 },
    };
    const newer = { ...withNext, stems: { vocals: 0.5 }, next: { ...withNext.next, fadeCurve: 'log' } };
    expect(stateValidator(newer)).toEqual({ ok: true, value: withNext });
    const message = { type: 'playback:state', state: { ...placed, lyricsOffsetMs: 120 }, reply: null };
    expect(validatePlaybackMessage(message)).toEqual({ ok: true, value: { ...message, state: placed } });
  });
});
