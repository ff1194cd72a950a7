import { describe, expect, it } from 'vitest';
import { TrackHead, type ChunkSource } from './track-head';
import type { StereoChunk } from './track-stream';

/** A track of `total` frames whose left sample is its frame number, decoded in chunks of `chunk` frames. */
function aTrack(total: number, chunk = 1000) {
  const log = { decodes: 0, ended: 0 };
  const source: ChunkSource = {
    async *chunks(startFrame) {
      log.decodes++;
      try {
        for (let at = startFrame; at < total; at += chunk) {
          const frames = Math.min(chunk, total - at);
          const data = new Float32Array(frames * 2);
          for (let i = 0; i < frames; i++) data[2 * i] = at + i;
          yield { startFrame: at, data };
        }
      } finally {
        log.ended++;
      }
    },
  };
  return { source, log };
}

/** Plays `chunks` to the end as the worker does: each chunk's buffer is transferred away (emptied) once sent. */
async function play(chunks: AsyncIterable<StereoChunk>, limit = Infinity): Promise<number[]> {
  const frames: number[] = [];
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.data.length; i += 2) frames.push(chunk.data[i]!);
    structuredClone(chunk.data, { transfer: [chunk.data.buffer] });
    if (frames.length >= limit) break;
  }
  return frames;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('TrackHead', () => {
  it('plays from the top on the decode that made it, then again from kept copies and a fresh decode', async () => {
    const { source, log } = aTrack(10_500);
    const head = await TrackHead.decode(source, 48_000, 2500);
    expect(head.endFrame).toBe(3000);
    expect(log.decodes).toBe(1);
    expect(await play(head.playFrom(0))).toEqual(range(0, 10_500));
    expect(log.decodes).toBe(1);
    // The first play emptied the chunks it sent; the head still has its own.
    expect(await play(head.playFrom(0))).toEqual(range(0, 10_500));
    expect(log.decodes).toBe(2);
    expect(log.ended).toBe(2);
  });

  it('starts inside a kept chunk, and only at the rate it was decoded at', async () => {
    const { source } = aTrack(5000);
    const head = await TrackHead.decode(source, 48_000, 1500);
    expect(head.covers(1999, 48_000)).toBe(true);
    expect(head.covers(2000, 48_000)).toBe(false);
    expect(head.covers(0, 44_100)).toBe(false);
    expect(await play(head.playFrom(1234))).toEqual(range(1234, 5000));
  });

  it('keeps a track shorter than its head whole', async () => {
    const { source, log } = aTrack(700);
    const head = await TrackHead.decode(source, 48_000, 72_000);
    expect(head.endFrame).toBe(700);
    expect(await play(head.playFrom(0))).toEqual(range(0, 700));
    expect(await play(head.playFrom(300))).toEqual(range(300, 700));
    expect(log.decodes).toBe(2);
  });

  it('ends the decode under it when a play stops early or the head is closed', async () => {
    const { source, log } = aTrack(10_000);
    const head = await TrackHead.decode(source, 48_000, 1000);
    expect(await play(head.playFrom(0), 2500)).toEqual(range(0, 3000));
    expect(log.ended).toBe(1);
    const unused = await TrackHead.decode(source, 48_000, 1000);
    await unused.close();
    expect(log.ended).toBe(2);
  });
});
