import { describe, expect, it } from 'vitest';
import { PlayerCore, hermite } from './player-core';
import { KEEP_ALIVE_LEVEL } from './player-options';
import type { ClockLine, PlacedSegment } from './segment';

const RATE = 48_000;
const BLOCK = 128;
/** A test track whose sample at frame f is f·SCALE on the left and −f·SCALE on the right: linear, so interpolation shows the play head exactly. */
const SCALE = 1e-6;

/** A clock line: context frame 0 is heard at group time `groupMs`, with the device running `ppm` fast against the group. */
function aLine(groupMs = 1_000_000, ppm = 0): ClockLine {
  return { contextFrame: 0, groupMs, msPerFrame: (1000 / RATE) * (1 + ppm * 1e-6) };
}

function aSegment(anchorGroupMs: number, anchorFrame = 0, generation = 1): PlacedSegment {
  return { generation, trackId: 't', anchorGroupMs, anchorFrame };
}

/** Pushes frames [from, to) of the ramp track in chunks of 4096. */
function feed(core: PlayerCore, generation: number, from: number, to: number): void {
  for (let start = from; start < to; start += 4096) {
    const frames = Math.min(4096, to - start);
    const data = new Float32Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      data[i * 2] = (start + i) * SCALE;
      data[i * 2 + 1] = -(start + i) * SCALE;
    }
    core.queue.push({ type: 'pcm', generation, startFrame: start, data });
  }
}

/** Renders `blocks` blocks from context frame `from`; returns the left channel and the next context frame. */
function run(
  core: PlayerCore,
  from: number,
  blocks: number,
): { left: Float32Array; right: Float32Array; next: number } {
  const left = new Float32Array(blocks * BLOCK);
  const right = new Float32Array(blocks * BLOCK);
  for (let b = 0; b < blocks; b++) {
    const l = new Float32Array(BLOCK);
    const r = new Float32Array(BLOCK);
    core.render(l, r, from + b * BLOCK);
    left.set(l, b * BLOCK);
    right.set(r, b * BLOCK);
  }
  return { left, right, next: from + blocks * BLOCK };
}

/** A core 10 blocks into playing ramp frames of `seconds` from the start of `aLine()`, its fade 5 ms. */
function playing(seconds: number): { core: PlayerCore; line: ClockLine; at: number } {
  const core = new PlayerCore({ sampleRate: RATE, fadeMs: 5 });
  const line = aLine();
  core.setClock(line);
  core.play(aSegment(line.groupMs));
  feed(core, 1, 0, seconds * RATE);
  return { core, line, at: run(core, 0, 10).next };
}

describe('PlayerCore', () => {
  it('starts on the exact output frame whose group time is the anchor, from the top without a fade', () => {
    const core = new PlayerCore({ sampleRate: RATE });
    const line = aLine();
    core.setClock(line);
    // Anchor 1000 frames + 0.25 frame after context frame 0: the first frame at or past it is 1001,
    // and it carries track frame 0.75 (the timeline is sample-exact, not rounded to frames).
    const anchor = line.groupMs + (1000.25 * 1000) / RATE;
    core.play(aSegment(anchor));
    feed(core, 1, 0, RATE);
    const { left, right } = run(core, 0, 20);
    expect(left.slice(0, 1001).every((v) => v === 0)).toBe(true);
    // (At frame 0 the interpolation has no frame before it; from frame 1 on it is exact on the ramp.)
    expect(left[1001]! / SCALE).toBeGreaterThan(0.5);
    expect(left[1002]! / SCALE).toBeCloseTo(1.75, 3);
    expect(-right[1002]! / SCALE).toBeCloseTo(1.75, 3);
    expect(left[1101]! / SCALE).toBeCloseTo(100.75, 3);
    expect(core.status(20 * BLOCK).started?.contextFrame).toBe(1001);
  });

  it('ramps to a new gain of the playing segment over the gain ramp, never in a step', () => {
    const core = new PlayerCore({ sampleRate: RATE, gainRampMs: 20 });
    core.setClock(aLine());
    core.play({ ...aSegment(1_000_000), gain: 1 });
    const data = new Float32Array(RATE * 2).fill(0.5);
    core.queue.push({ type: 'pcm', generation: 1, startFrame: 0, data });
    const before = run(core, 0, 10);
    expect(before.left.every((v) => v === 0.5)).toBe(true);
    core.setGain(0.25);
    expect(core.placed?.gain).toBe(0.25);
    const { left } = run(core, before.next, 20);
    const rampFrames = 960; // 20 ms
    const allowed = (0.5 * (1 - 0.25)) / rampFrames;
    let worst = Math.abs(left[0]! - 0.5);
    for (let i = 1; i < left.length; i++) worst = Math.max(worst, Math.abs(left[i]! - left[i - 1]!));
    expect(worst).toBeLessThanOrEqual(allowed * 1.0001);
    expect(worst).toBeGreaterThan(allowed * 0.99);
    // Half-way at 10 ms, there at 20 ms, and it stays there.
    expect(left[rampFrames / 2]).toBeCloseTo(0.5 * 0.625, 4);
    expect(left.slice(rampFrames).every((v) => v === 0.125)).toBe(true);
    // A new segment replaces it: its fade-out tail is at its gain too, from 0.125 down.
    core.play(aSegment(2_000_000, 0, 2));
    const tail = run(core, before.next + 20 * BLOCK, 1).left;
    expect(tail[0]).toBeCloseTo(0.125 * (1 - 1 / 240), 6);
    expect(Math.max(...tail)).toBeLessThanOrEqual(0.125);
  });

  it('follows a drifting device clock with the read ratio alone', () => {
    const core = new PlayerCore({ sampleRate: RATE });
    core.setClock(aLine(1_000_000, 200));
    core.play(aSegment(1_000_000));
    feed(core, 1, 0, 11 * RATE);
    let at = 0;
    for (let s = 0; s < 10; s++) {
      at = run(core, at, 375).next;
      feed(core, 1, 11 * RATE + s, 11 * RATE + s); // nothing: the ring already holds the track
    }
    const status = core.status(at);
    expect(status.phase).toBe('playing');
    expect(status.ratio).toBeCloseTo(1 + 200e-6, 7);
    expect(Math.abs(status.errorFrames!)).toBeLessThan(0.01);
    expect(status.repositions).toBe(0);
  });

  it('slews a small error away within 500 ppm, without a re-position', () => {
    const core = new PlayerCore({ sampleRate: RATE });
    const line = aLine();
    core.setClock(line);
    core.play(aSegment(line.groupMs));
    feed(core, 1, 0, 20 * RATE);
    let at = run(core, 0, 10).next;
    // The clock line is refined by 1 ms: the head is now 48 frames ahead of the timeline.
    core.setClock({ ...line, groupMs: line.groupMs - 1 });
    at = run(core, at, 1).next;
    expect(core.status(at).errorFrames).toBeCloseTo(48, 1);
    let maxPpm = 0;
    for (let i = 0; i < 375 * 8; i++) {
      at = run(core, at, 1).next;
      maxPpm = Math.max(maxPpm, Math.abs(core.status(at).ratio - 1) * 1e6);
    }
    const status = core.status(at);
    expect(maxPpm).toBeLessThanOrEqual(500 + 1e-6);
    expect(maxPpm).toBeGreaterThan(400);
    expect(Math.abs(status.errorFrames!)).toBeLessThan(2);
    expect(status.repositions).toBe(0);
  });

  it('re-positions sample-exactly with a fade when the error is large', () => {
    const { core, line, at: start } = playing(5);
    let at = start;
    // The output moved 10 ms later (a confirmed step: the line counts one move): group time of each output
    // frame is 10 ms later, so the head must jump ahead.
    core.setClock({ ...line, groupMs: line.groupMs + 10, moves: 1 });
    const { left, next } = run(core, at, 10);
    at = next;
    const status = core.status(at);
    expect(status.repositions).toBe(1);
    expect(Math.abs(status.errorFrames!)).toBeLessThan(1e-6);
    // A fade down to silence, then up again: no step in the output larger than a fade step allows.
    const values = Array.from(left, (v) => v / SCALE);
    expect(Math.min(...values.slice(1, 600))).toBeLessThan(1300);
    const maxStep = Math.max(...values.slice(1).map((v, i) => Math.abs(v - values[i]!)));
    expect(maxStep).toBeLessThan(2000 / 240 + 2);
    // After the fade in, the output carries the timeline's frame: context frame c carries track frame c + 480.
    expect(values.at(-1)).toBeCloseTo(at - 1 + 480, 3);
  });

  it('slews an error the line moved by with no move of the output seen; re-positions on one far past what readings wander', () => {
    const { core, line, at: start } = playing(60);
    let at = start;
    // The line moved 5 ms and nothing says the output did: the map's readings wandered. Slewed at 500 ppm.
    core.setClock({ ...line, groupMs: line.groupMs + 5 });
    at = run(core, at, 375).next;
    let status = core.status(at);
    expect(status.repositions).toBe(0);
    // 1 s at 500 ppm closes 0.5 ms of the 5.
    expect(status.errorFrames! / (RATE / 1000)).toBeCloseTo(-4.5, 1);
    // The same line, now counted as a move of the output: re-positioned at once.
    core.setClock({ ...line, groupMs: line.groupMs + 5, moves: 1 });
    at = run(core, at, 10).next;
    status = core.status(at);
    expect(status.repositions).toBe(1);
    expect(Math.abs(status.errorFrames!)).toBeLessThan(1e-6);
    // Past the force bound (12 ms) with no move seen: re-positioned too.
    core.setClock({ ...line, groupMs: line.groupMs + 5 + 15, moves: 1 });
    at = run(core, at, 10).next;
    status = core.status(at);
    expect(status.repositions).toBe(2);
  });

  it('a gap in the render clock lets the next error be re-positioned on, for two seconds', () => {
    const { core, line, at: start } = playing(60);
    let at = start;
    core.outputMoved();
    at = run(core, at, 10).next;
    core.setClock({ ...line, groupMs: line.groupMs + 5 });
    at = run(core, at, 10).next;
    expect(core.status(at).repositions).toBe(1);
    // A move seen more than 2 s before the error allows nothing.
    core.outputMoved();
    at = run(core, at, 800).next;
    core.setClock({ ...line, groupMs: line.groupMs + 10 });
    at = run(core, at, 10).next;
    expect(core.status(at).repositions).toBe(1);
  });

  it('plays silence where the ring has no frames (underrun) and fades back in on time when they arrive', () => {
    const core = new PlayerCore({ sampleRate: RATE, fadeMs: 1 });
    const line = aLine();
    core.setClock(line);
    core.play(aSegment(line.groupMs));
    feed(core, 1, 0, 1280);
    const first = run(core, 0, 20);
    // (The frame at 1280 is interpolated from the last one held.)
    expect(first.left.slice(1281).every((v) => v === 0)).toBe(true);
    expect(core.status(first.next).starvedFrames).toBeGreaterThanOrEqual(20 * BLOCK - 1281);
    feed(core, 1, 0, RATE);
    const second = run(core, first.next, 10);
    // Still on the timeline: after the fade in (48 frames) output frame c carries track frame c.
    expect(second.left[100]! / SCALE).toBeCloseTo(first.next + 100, 3);
    expect(core.status(second.next).repositions).toBe(0);
  });

  it('fades into a gap in the frames (a stalled live source) and out of it when frames come again', () => {
    const core = new PlayerCore({ sampleRate: RATE, fadeMs: 1 });
    const line = aLine();
    core.setClock(line);
    core.play(aSegment(line.groupMs));
    // A constant level: any step in the output is the player's, not the signal's.
    const level = (from: number, to: number) => {
      const data = new Float32Array((to - from) * 2).fill(0.5);
      core.queue.push({ type: 'pcm', generation: 1, startFrame: from, data });
    };
    level(0, 2000);
    const first = run(core, 0, 20);
    const fade = 48;
    expect(first.left[2000 - fade - 10]).toBeCloseTo(0.5, 6);
    expect(first.left.slice(1999).every((v) => v === 0)).toBe(true);
    // The sound before the gap goes down in fade steps, no click.
    const maxStep = (xs: Float32Array) =>
      xs.slice(1).reduce((m, v, i) => Math.max(m, Math.abs(v - xs[i]!)), 0);
    expect(maxStep(first.left)).toBeLessThanOrEqual(0.5 / (fade - 1) + 1e-6);
    // The frames come again (the source resumed): silence until they are due, then a fade up.
    level(first.next + 500, first.next + 5000);
    const second = run(core, first.next, 20);
    expect(second.left.slice(0, 500).every((v) => v === 0)).toBe(true);
    expect(second.left[500 + fade + 10]).toBeCloseTo(0.5, 6);
    expect(maxStep(second.left.slice(0, 4000))).toBeLessThanOrEqual(0.5 / fade + 1e-6);
    expect(core.status(second.next).repositions).toBe(0);
  });

  it('joins a track already under way at the right frame, fading in', () => {
    const core = new PlayerCore({ sampleRate: RATE, fadeMs: 1 });
    const line = aLine();
    core.setClock(line);
    // Position 2 s was heard 500 ms before context frame 0.
    core.play(aSegment(line.groupMs - 500, 2 * RATE));
    feed(core, 1, 2.4 * RATE, 3 * RATE);
    const { left } = run(core, 0, 4);
    expect(left[0]).toBe(0);
    expect(left[100]! / SCALE).toBeCloseTo(2.5 * RATE + 100, 1);
    expect(core.status(4 * BLOCK).started).toEqual({ contextFrame: 0, trackFrame: 2.5 * RATE });
  });

  it('refuses chunks of an older generation and chunks that would overfill the ring', () => {
    const core = new PlayerCore({ sampleRate: RATE, capacityFrames: 8192 });
    core.play(aSegment(0, 0, 2));
    expect(core.queue.push({ type: 'pcm', generation: 1, startFrame: 0, data: new Float32Array(256) })).toBe(
      'stale',
    );
    feed(core, 2, 0, 8192);
    expect(
      core.queue.push({ type: 'pcm', generation: 2, startFrame: 8192, data: new Float32Array(256) }),
    ).toBe('overrun');
    expect(core.status(0).overruns).toBe(1);
  });

  it('fades out at the stop time and goes idle', () => {
    const core = new PlayerCore({ sampleRate: RATE, fadeMs: 1 });
    const line = aLine();
    core.setClock(line);
    core.play(aSegment(line.groupMs));
    feed(core, 1, 0, RATE);
    core.stop(line.groupMs + (1000 * 1000) / RATE);
    const { left } = run(core, 0, 10);
    expect(left[999]! / SCALE).toBeCloseTo(999, 3);
    expect(left[1000 + 47]! / SCALE).toBeLessThan(1047 / 20);
    expect(left.slice(1000 + 49).every((v) => v === 0)).toBe(true);
    expect(core.phase).toBe('idle');
  });

  it('switches segments with one fade-out of the old sound, then the new one alone', () => {
    const core = new PlayerCore({ sampleRate: RATE, fadeMs: 1 });
    const line = aLine();
    core.setClock(line);
    core.play(aSegment(line.groupMs));
    feed(core, 1, 0, RATE);
    const first = run(core, 0, 10);
    // A seek to 10 s, heard from 100 frames into the next block.
    core.play(aSegment(line.groupMs + ((first.next + 100) * 1000) / RATE, 10 * RATE, 2));
    feed(core, 2, 10 * RATE, 11 * RATE);
    const { left } = run(core, first.next, 2);
    expect(left[0]! / SCALE).toBeGreaterThan(first.next * 0.95);
    expect(left.slice(48, 100).every((v) => v === 0)).toBe(true);
    // Mid-track, so it fades in from its first frame: 10 s on the output frame of its anchor.
    expect(core.status(0).started).toEqual({ contextFrame: first.next + 100, trackFrame: 10 * RATE });
    expect(left[101]).toBeGreaterThan(0);
    expect(left[148]! / SCALE).toBeCloseTo(10 * RATE + 48, 1);
  });

  it('ends at the last frame of the track', () => {
    const core = new PlayerCore({ sampleRate: RATE });
    const line = aLine();
    core.setClock(line);
    core.play(aSegment(line.groupMs));
    feed(core, 1, 0, 1000);
    core.queue.end(1, 1000);
    const { left } = run(core, 0, 10);
    expect(left[999]! / SCALE).toBeCloseTo(999, 3);
    expect(left.slice(1000).every((v) => v === 0)).toBe(true);
    expect(core.phase).toBe('ended');
  });

  it('keeps the output alive with one inaudible sample every 10 s of silence', () => {
    const core = new PlayerCore({ sampleRate: RATE });
    const { left } = run(core, 0, Math.ceil((21 * RATE) / BLOCK));
    const blips = left.reduce((n, v) => n + (v === KEEP_ALIVE_LEVEL ? 1 : 0), 0);
    expect(blips).toBe(2);
    expect(left.every((v) => v === 0 || v === KEEP_ALIVE_LEVEL)).toBe(true);
  });

  it('interpolates a straight line exactly', () => {
    expect(hermite(1, 2, 3, 4, 0.3)).toBeCloseTo(2.3, 12);
  });
});
