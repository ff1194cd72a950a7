import { describe, expect, it } from 'vitest';
import type { PcmChunk } from '../player/protocol';
import { postPcm, type PlayerPort } from './pcm-post';

/** A chunk of `frames` stereo frames from `startFrame`, each frame's left sample its track frame. */
function aChunk(startFrame: number, frames: number): PcmChunk {
  const data = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) data[2 * i] = startFrame + i;
  return { type: 'pcm', generation: 3, startFrame, data };
}

describe('postPcm', () => {
  it('returns the frame after the chunk although the transfer empties it', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: PcmChunk[] = [];
    const all = new Promise<void>((resolve) => {
      port2.onmessage = (e: MessageEvent<PcmChunk>) => {
        received.push(e.data);
        if (received.length === 2) resolve();
      };
    });
    const port: PlayerPort = port1;
    // A FLAC part: whole blocks, then its short last block (300 frames).
    const first = aChunk(0, 4608);
    const last = aChunk(4608, 300);
    expect(postPcm(port, first)).toBe(4608);
    expect(first.data.length).toBe(0); // the buffer went with the message
    expect(postPcm(port, last)).toBe(4908);
    await all;
    port1.close();
    port2.close();
    expect(received.map((c) => [c.startFrame, c.data.length >> 1])).toEqual([
      [0, 4608],
      [4608, 300],
    ]);
    expect(received[1]!.data[2 * 299]).toBe(4907);
  });

  it('counts the frames of a chunk that is a view into a larger buffer', () => {
    const whole = aChunk(0, 1000);
    const view: PcmChunk = { ...whole, startFrame: 400, data: whole.data.subarray(800) };
    const sent: unknown[] = [];
    expect(postPcm({ postMessage: (m) => sent.push(m) }, view)).toBe(1000);
    expect(postPcm(null, aChunk(10, 5))).toBe(15);
    expect(sent).toHaveLength(1);
  });
});
