import { describe, expect, it } from 'vitest';
import { FrameQueue } from './frame-queue';

function chunk(generation: number, startFrame: number, frames: number) {
  const data = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    data[i * 2] = startFrame + i;
    data[i * 2 + 1] = -(startFrame + i);
  }
  return { type: 'pcm' as const, generation, startFrame, data };
}

describe('FrameQueue', () => {
  it('finds frames across chunks, forwards and back', () => {
    const q = new FrameQueue(10_000);
    q.reset(1);
    q.push(chunk(1, 100, 50));
    q.push(chunk(1, 150, 50));
    expect(q.frame(175)).toBe(true);
    expect([q.left, q.right]).toEqual([175, -175]);
    expect(q.frame(120)).toBe(true);
    expect(q.left).toBe(120);
    expect(q.frame(99)).toBe(false);
    expect(q.frame(200)).toBe(false);
    expect(q.contiguousFrom(120)).toBe(80);
  });

  it('keeps chunks in track order when a decoder restarts further back', () => {
    const q = new FrameQueue(10_000);
    q.reset(1);
    q.push(chunk(1, 200, 50));
    q.push(chunk(1, 100, 100));
    expect(q.contiguousFrom(100)).toBe(150);
    expect(q.frame(250)).toBe(false);
  });

  it('drops what the play head passed, freeing room', () => {
    const q = new FrameQueue(100);
    q.reset(1);
    expect(q.push(chunk(1, 0, 60))).toBe('held');
    expect(q.push(chunk(1, 60, 60))).toBe('overrun');
    q.dropBefore(61);
    expect(q.size).toBe(0);
    expect(q.push(chunk(1, 60, 60))).toBe('held');
    expect(q.overruns).toBe(1);
  });

  it('ignores chunks and ends of other generations', () => {
    const q = new FrameQueue(100);
    q.reset(2);
    expect(q.push(chunk(1, 0, 10))).toBe('stale');
    q.end(1, 10);
    expect(q.endFrame).toBe(null);
    q.end(2, 10);
    expect(q.endFrame).toBe(10);
  });
});
