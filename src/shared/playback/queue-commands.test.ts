import { describe, expect, it } from 'vitest';
import { applyCommand } from './commands';
import { shuffleQueue } from './queue-order';
import { currentTrackId, sameTimeline, type PlaybackCommand, type PlaybackState } from './state';
import { BUILDER_NOW_MS as NOW, aContext, aState, applied, refused, seededRandom } from './testing';
import { stateValidator } from './validate';

const LEAD = 250;
const library = { t1: 180, t2: 200, t3: 150, t4: 240 };
const ctx = aContext(library, { leadTimeMs: LEAD, epoch: 2 });
const apply = (state: PlaybackState, command: PlaybackCommand) => applied(state, command, ctx);
const refuse = (state: PlaybackState, command: PlaybackCommand) => refused(state, command, ctx);

describe('queue edits', () => {
  it('enqueue appends, and refuses past the queue limit', () => {
    const s = aState().withQueue('t1').playing('t1').build();
    expect(apply(s, { kind: 'enqueue', trackIds: ['t3', 't2'] })).toMatchObject({
      queue: ['t1', 't3', 't2'],
      currentIndex: 0,
    });
    const small = aContext(library, { maxQueueLength: 2 });
    const r = applyCommand(s, { kind: 'enqueue', trackIds: ['t2', 't3'] }, NOW, small);
    expect(r).toEqual({ ok: false, error: 'the queue is full (2 tracks)' });
  });

  it('remove keeps the current track current, and removing the current one plays the next or stops', () => {
    const s = aState().withQueue('t1', 't2', 't3').playing('t2').at(40).build();
    expect(apply(s, { kind: 'remove', index: 0 })).toMatchObject({
      queue: ['t2', 't3'],
      currentIndex: 0,
      anchor: s.anchor,
    });
    expect(apply(s, { kind: 'remove', index: 2 })).toMatchObject({ queue: ['t1', 't2'], currentIndex: 1 });
    const removedCurrent = apply(s, { kind: 'remove', index: 1 });
    expect(removedCurrent).toMatchObject({
      queue: ['t1', 't3'],
      currentIndex: 1,
      anchor: { groupTimeMs: NOW + LEAD, positionSec: 0 },
    });
    const last = aState().withQueue('t1', 't2').playing('t2').build();
    expect(apply(last, { kind: 'remove', index: 1 })).toMatchObject({ queue: ['t1'], currentIndex: null });
  });

  it('move reorders the queue and the current index follows its track', () => {
    const s = aState().withQueue('t1', 't2', 't3', 't4').playing('t2').build();
    const cases: Array<[number, number, string[]]> = [
      [0, 3, ['t2', 't3', 't4', 't1']],
      [3, 0, ['t4', 't1', 't2', 't3']],
      [1, 3, ['t1', 't3', 't4', 't2']],
      [2, 3, ['t1', 't2', 't4', 't3']],
    ];
    for (const [from, to, queue] of cases) {
      const moved = apply(s, { kind: 'move', from, to });
      expect(moved.queue).toEqual(queue);
      expect(currentTrackId(moved)).toBe('t2');
      expect(moved.anchor).toEqual(s.anchor);
    }
    expect(refuse(s, { kind: 'move', from: 4, to: 0 })).toMatch(/no track in the queue at index 4/);
  });

  it('replace keeps playing the current track if the new queue has it, or plays the given index', () => {
    const s = aState().withQueue('t1', 't2').playing('t2').at(33).build();
    const kept = apply(s, { kind: 'replace', trackIds: ['t4', 't2'] });
    expect(kept).toMatchObject({ queue: ['t4', 't2'], currentIndex: 1, anchor: s.anchor });
    expect(apply(s, { kind: 'replace', trackIds: ['t3'] })).toMatchObject({
      queue: ['t3'],
      currentIndex: null,
    });
    expect(apply(s, { kind: 'replace', trackIds: ['t3', 't4'], playIndex: 1 })).toMatchObject({
      currentIndex: 1,
    });
    expect(refuse(s, { kind: 'replace', trackIds: ['t3'], playIndex: 1 })).toMatch(/new queue at index 1/);
  });

  it('clear empties the queue and stops', () => {
    expect(apply(aState().withQueue('t1', 't2').playing('t1').build(), { kind: 'clear' })).toMatchObject({
      queue: [],
      currentIndex: null,
    });
  });
});

describe('shuffle', () => {
  const six = { a1: 100, a2: 100, a3: 100, a4: 100, a5: 100, a6: 100 };
  const shuffleCtx = (seed: number) => aContext(six, { leadTimeMs: LEAD, random: seededRandom(seed) });
  const run = (state: PlaybackState, command: PlaybackCommand, seed = 7): PlaybackState => {
    const r = applyCommand(state, command, NOW, shuffleCtx(seed));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  const original = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];

  it('shuffling keeps the playing track playing, first in a random order of the whole queue', () => {
    const s = aState()
      .withQueue(...original)
      .playing('a3')
      .at(40)
      .build();
    const shuffled = run(s, { kind: 'shuffle', on: true });
    expect(shuffled.currentIndex).toBe(0);
    expect(currentTrackId(shuffled)).toBe('a3');
    expect([...shuffled.queue].sort()).toEqual(original);
    expect(shuffled.queue).not.toEqual(original);
    expect(sameTimeline(s, shuffled)).toBe(true);
    expect(stateValidator(shuffled)).toMatchObject({ ok: true });
    // A different draw gives a different order: it is random, not a fixed pattern.
    const orders = new Set(
      [1, 2, 3, 4, 5].map((seed) => run(s, { kind: 'shuffle', on: true }, seed).queue.join()),
    );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('un-shuffling puts the original order back at the current track', () => {
    const s = aState()
      .withQueue(...original)
      .playing('a3')
      .at(40)
      .build();
    let shuffled = run(s, { kind: 'shuffle', on: true });
    shuffled = run(shuffled, { kind: 'next' });
    shuffled = run(shuffled, { kind: 'next' });
    const playingNow = currentTrackId(shuffled);
    const back = run(shuffled, { kind: 'shuffle', on: false });
    expect(back.queue).toEqual(original);
    expect(back.unshuffled).toBeNull();
    expect(currentTrackId(back)).toBe(playingNow);
    expect(back.currentIndex).toBe(original.indexOf(playingNow as string));
    expect(sameTimeline(shuffled, back)).toBe(true);
  });

  it('shuffle on while on, and off while off, change nothing', () => {
    const s = aState()
      .withQueue(...original)
      .playing('a1')
      .build();
    expect(run(s, { kind: 'shuffle', on: false })).toBe(s);
    const on = run(s, { kind: 'shuffle', on: true });
    expect(run(on, { kind: 'shuffle', on: true })).toBe(on);
  });

  it('queue edits while shuffled keep the way back to the original order', () => {
    const s = aState()
      .withQueue(...original)
      .playing('a2')
      .build();
    let shuffled = run(s, { kind: 'shuffle', on: true });
    shuffled = run(shuffled, { kind: 'enqueue', trackIds: ['a1'] });
    const removedId = shuffled.queue[3] as string;
    shuffled = run(shuffled, { kind: 'remove', index: 3 });
    shuffled = run(shuffled, { kind: 'move', from: 4, to: 1 });
    expect(stateValidator(shuffled)).toMatchObject({ ok: true });
    const back = run(shuffled, { kind: 'shuffle', on: false });
    const expected = [...original, 'a1'];
    expected.splice(expected.indexOf(removedId), 1);
    expect(back.queue).toEqual(expected);
    expect(currentTrackId(back)).toBe('a2');
  });

  it('a new queue while shuffled is shuffled, with the chosen track first', () => {
    const on = run(aState().withQueue('a1').playing('a1').build(), { kind: 'shuffle', on: true });
    const replaced = run(on, { kind: 'replace', trackIds: original, playIndex: 4 });
    expect(replaced.currentIndex).toBe(0);
    expect(currentTrackId(replaced)).toBe('a5');
    expect(run(replaced, { kind: 'shuffle', on: false })).toMatchObject({ queue: original, currentIndex: 4 });
    const fromLibrary = run(on, { kind: 'play', index: 2 });
    expect(currentTrackId(fromLibrary)).toBe('a3');
    expect(fromLibrary.currentIndex).toBe(0);
    expect(run(fromLibrary, { kind: 'shuffle', on: false })).toMatchObject({
      queue: original,
      currentIndex: 2,
    });
    const cleared = run(replaced, { kind: 'clear' });
    expect(cleared).toMatchObject({ queue: [], unshuffled: [] });
  });

  it('shuffling a stopped queue reorders it without starting anything', () => {
    const s = aState()
      .withQueue(...original)
      .build();
    const on = run(s, { kind: 'shuffle', on: true });
    expect(on.currentIndex).toBeNull();
    expect([...on.queue].sort()).toEqual(original);
    expect(run(on, { kind: 'shuffle', on: false }).queue).toEqual(original);
  });

  it('shuffleQueue is a permutation whose unshuffled map inverts it', () => {
    const random = seededRandom(3);
    for (let n = 0; n < 40; n++) {
      const queue = Array.from({ length: n }, (_, i) => `x${i % 7}`);
      const first = n === 0 ? null : n % 3 === 0 ? null : n - 1;
      const s = shuffleQueue(queue, first, random);
      expect(s.unshuffled.map((i) => s.queue[i])).toEqual(queue);
      if (first !== null) expect(s.unshuffled[first]).toBe(0);
    }
    // A random source that returns 1 does not break the shuffle.
    expect(shuffleQueue(['p', 'q', 'r'], null, () => 1).queue.sort()).toEqual(['p', 'q', 'r']);
  });
});
