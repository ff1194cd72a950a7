import { describe, expect, it } from 'vitest';
import type { PlayerStatus } from './protocol';
import { readStatus } from './status-reading';

const RATE = 48_000;
const base: PlayerStatus = {
  type: 'status',
  generation: 1,
  phase: 'playing',
  contextFrame: 48_000,
  headFrame: 1000,
  errorFrames: 0,
  ratio: 1,
  starvedFrames: 0,
  repositions: 0,
  repositionErrorFrames: null,
  started: { contextFrame: 47_000, trackFrame: 0 },
  bufferedFrames: 96_000,
  overruns: 0,
  renderClock: { gaps: 0, lastGapFrames: 0 },
};

describe('readStatus', () => {
  it('notes a re-position with its error, a block the render clock skipped, and blocks it stood still', () => {
    const next: PlayerStatus = {
      ...base,
      contextFrame: 49_024,
      repositions: 1,
      repositionErrorFrames: 256,
      renderClock: { gaps: 1, lastGapFrames: 4096, stale: 8 },
    };
    const reading = readStatus(base, next, RATE, 'playing');
    expect(reading.notes).toEqual([
      're-positioned (error 5.33 ms)',
      'render clock: 1 block(s) off the one before, the last by 4096 frames',
      'render clock: 8 block(s) with a stale currentFrame, counted on',
    ]);
    expect(reading.repositions).toBe(1);
  });

  it('says nothing of the render clock when its count did not change, or on the first status', () => {
    expect(readStatus(base, { ...base, contextFrame: 49_024 }, RATE, 'playing').notes).toEqual([]);
    expect(
      readStatus(null, { ...base, renderClock: { gaps: 3, lastGapFrames: 128 } }, RATE, 'playing').notes,
    ).toEqual([]);
  });
});
