import { describe, expect, it } from 'vitest';
import { encodeFlacFrame } from '../../../shared/live/flac-encode';
import type { LiveFrame } from '../../../shared/live/frames';
import { LivePlacer } from './live-stream';

/** A PCM frame of `frames` stereo frames at `rate`, left = `value`, right = −`value`. */
function pcm(groupMs: number, frames: number, rate = 48000, value = 16384): LiveFrame {
  const data = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    data[i * 2] = value;
    data[i * 2 + 1] = -value;
  }
  return { type: 'pcm', groupMs, sampleRate: rate, frameCount: frames, pcm: data };
}

describe('LivePlacer', () => {
  it('places frames at the context rate by their group time, continuously within a run', () => {
    const placer = new LivePlacer(7, 10_000, 48000);
    const [first] = placer.place(pcm(10_300, 960), null);
    expect(first).toMatchObject({ type: 'pcm', generation: 7, startFrame: 14_400 });
    expect(first?.data.length).toBe(1920);
    expect(first?.data[0]).toBe(0.5);
    expect(first?.data[1]).toBe(-0.5);
    // The next frame starts where this one ended (within float error): no gap, no overlap.
    const [second] = placer.place(pcm(10_320.0000001, 960), null);
    expect(second?.startFrame).toBe(15_360);
  });

  it('starts a new run where a re-anchored frame belongs, and drops what the play head has passed', () => {
    const placer = new LivePlacer(1, 0, 48000);
    placer.place(pcm(300, 960), null);
    const [after] = placer.place(pcm(2400.4, 960), null);
    expect(after?.startFrame).toBe(Math.round(2400.4 * 48));
    expect(placer.place(pcm(2420.4, 960), 200_000)).toEqual([]);
    expect(placer.lateChunks).toBe(1);
    // A stall ends the run: the next PCM is placed by its own stamp.
    expect(placer.place({ type: 'stall', groupMs: 2440.4 }, null)).toEqual([]);
    expect(placer.place(pcm(5000, 480), null)[0]?.startFrame).toBe(240_000);
  });

  it('resamples 44.1 kHz to the context rate, keeping the run continuous across frames', () => {
    const placer = new LivePlacer(1, 0, 48000);
    const chunks = [];
    for (let i = 0; i < 10; i++) chunks.push(...placer.place(pcm(300 + i * 10, 441, 44100), null));
    chunks.push(...placer.place({ type: 'end', reason: 'done' }, null));
    expect(chunks[0]?.startFrame).toBe(14_400);
    let next = 14_400;
    for (const c of chunks) {
      expect(c.startFrame).toBe(next);
      next += c.data.length >> 1;
    }
    // 100 ms of input makes 100 ms of output, within the resampler's edge.
    expect(next - 14_400).toBeGreaterThanOrEqual(4790);
    expect(next - 14_400).toBeLessThanOrEqual(4810);
    // Mid-run the level is the input's (a constant passes the filter unchanged).
    const mid = chunks[4]!.data;
    expect(mid[0]).toBeCloseTo(0.5, 2);
    expect(mid[1]).toBeCloseTo(-0.5, 2);
    expect(placer.endFrame).toBe(next);
  });

  it('decodes FLAC frames and places them exactly like the PCM they hold; a bad one is dropped and counted', () => {
    const asPcm = new LivePlacer(1, 0, 48000);
    const asFlac = new LivePlacer(1, 0, 48000);
    for (let i = 0; i < 3; i++) {
      const frame = pcm(300 + i * 20, 960, 48000, 1000 * (i + 1)) as Extract<LiveFrame, { type: 'pcm' }>;
      const flac = encodeFlacFrame(frame.pcm, 48000, i * 960);
      const flacFrame: LiveFrame = {
        type: 'flac',
        groupMs: frame.groupMs,
        sampleRate: 48000,
        frameCount: 960,
        flac,
      };
      expect(asFlac.place(flacFrame, null)).toEqual(asPcm.place(frame, null));
    }
    const flac = encodeFlacFrame(new Int16Array(1920).fill(5), 48000, 0);
    flac[flac.length - 1]! ^= 1;
    expect(
      asFlac.place({ type: 'flac', groupMs: 360, sampleRate: 48000, frameCount: 960, flac }, null),
    ).toEqual([]);
    // A frame count that is not the FLAC frame's is refused too.
    const short = encodeFlacFrame(new Int16Array(200), 48000, 0);
    expect(
      asFlac.place({ type: 'flac', groupMs: 360, sampleRate: 48000, frameCount: 99, flac: short }, null),
    ).toEqual([]);
    expect(asFlac.undecodableFlac).toBe(2);
  });
});
