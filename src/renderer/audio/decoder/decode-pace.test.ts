import { describe, expect, it } from 'vitest';
import { DecodePace } from './decode-pace';

const RATE = 48_000;
const CHUNK = 4800; // 100 ms

/** Decodes from frame 0 with the head at `head(nowMs)`, a chunk taking `costMs`; returns wall time at each chunk's end. */
function fill(untilFrame: number, costMs: number, head: (nowMs: number) => number = () => 0) {
  const pace = new DecodePace(RATE, 2, 4);
  const times: { frame: number; atMs: number }[] = [];
  let now = 0;
  for (let frame = CHUNK; frame <= untilFrame; frame += CHUNK) {
    now += costMs;
    times.push({ frame, atMs: now });
    now += pace.afterChunk(frame, head(now), now);
  }
  return times;
}

describe('DecodePace', () => {
  it('decodes the first 2 s ahead of the head at full speed, the rest of a 10 s window at 4x real time', () => {
    const times = fill(10 * RATE, 5);
    const at = (sec: number) => times.find((t) => t.frame === sec * RATE)!.atMs;
    // 20 chunks of 5 ms: 2 s of audio in 100 ms.
    expect(at(2)).toBe(100);
    // The other 8 s at 4x: 2 s of wall time, give or take a chunk.
    expect(at(10) - at(2)).toBeGreaterThanOrEqual(2000 - 100);
    expect(at(10) - at(2)).toBeLessThanOrEqual(2000 + 100);
  });

  it('never waits when the decoder is slower than the pace', () => {
    const times = fill(10 * RATE, 40); // 2.5x real time
    expect(times.at(-1)!.atMs).toBe(100 * 40);
  });

  it('goes back to full speed when the play head comes within 2 s of what is decoded', () => {
    const pace = new DecodePace(RATE, 2, 4);
    expect(pace.afterChunk(3 * RATE, 0, 0)).toBe(0);
    expect(pace.afterChunk(4 * RATE, 0, 10)).toBeGreaterThan(200);
    // The head jumped close (the output ran on while the decoder waited): no wait, and the pace starts over.
    expect(pace.afterChunk(4.1 * RATE, 2.5 * RATE, 20)).toBe(0);
    expect(pace.afterChunk(4.6 * RATE, 2.5 * RATE, 30)).toBe(0);
    expect(pace.afterChunk(5 * RATE, 2.5 * RATE, 40)).toBeCloseTo(90, 5);
  });
});
