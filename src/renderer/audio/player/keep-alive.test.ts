import { describe, expect, it } from 'vitest';
import { KeepAlive } from './keep-alive';
import { KEEP_ALIVE_LEVEL } from './player-options';

describe('KeepAlive', () => {
  it('marks the last sample of the block that completes each stretch of silence', () => {
    const keepAlive = new KeepAlive(300);
    const marked: number[] = [];
    for (let b = 0; b < 7; b++) {
      const left = new Float32Array(128);
      keepAlive.afterBlock(left, false);
      if (left[127] === KEEP_ALIVE_LEVEL) marked.push(b);
      expect(left.slice(0, 127).every((v) => v === 0)).toBe(true);
    }
    // 3 blocks (384 frames) reach 300; the count starts over after each mark.
    expect(marked).toEqual([2, 5]);
  });

  it('starts the count over after a block that sounded', () => {
    const keepAlive = new KeepAlive(256);
    keepAlive.afterBlock(new Float32Array(128), false);
    keepAlive.afterBlock(new Float32Array(128).fill(0.5), true);
    const left = new Float32Array(128);
    keepAlive.afterBlock(left, false);
    expect(left[127]).toBe(0);
    keepAlive.afterBlock(left, false);
    expect(left[127]).toBe(KEEP_ALIVE_LEVEL);
  });
});
