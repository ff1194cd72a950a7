import { describe, expect, it } from 'vitest';
import { PcmFrames } from './pcm-frames';

describe('PcmFrames', () => {
  it('returns whole frames only, completing a split frame with the next read', () => {
    const frames = new PcmFrames({ encoding: 's32le', sampleRate: 48000, channels: 1 });
    const bytes = new Uint8Array(Int32Array.from([0x10000, 0x20000, 0x30000]).buffer);
    expect(Array.from(frames.take(bytes.subarray(0, 6)))).toEqual([1, 1]);
    expect(Array.from(frames.take(bytes.subarray(6, 7)))).toEqual([]);
    expect(Array.from(frames.take(bytes.subarray(7)))).toEqual([2, 2, 3, 3]);
  });

  it('drops a partial frame on reset, so the next read starts a frame', () => {
    const frames = new PcmFrames({ encoding: 's16le', sampleRate: 48000, channels: 2 });
    frames.take(new Uint8Array([1, 0, 2]));
    frames.reset();
    expect(Array.from(frames.take(new Uint8Array(Int16Array.from([7, -7]).buffer)))).toEqual([7, -7]);
  });
});
