import { describe, expect, it } from 'vitest';
import { equalPowerGains, overlapProgress } from './mix-gain';
import { PlayerMix } from './player-mix';
import type { ClockLine, PlacedSegment } from './segment';

const RATE = 48_000;
const BLOCK = 128;
const G0 = 1_000_000;

function aLine(groupMs = G0, ppm = 0, contextFrame = 0): ClockLine {
  return { contextFrame, groupMs, msPerFrame: (1000 / RATE) * (1 + ppm * 1e-6) };
}

const seg = (generation: number, anchorGroupMs: number, gain?: number): PlacedSegment => ({
  generation,
  trackId: `t${generation}`,
  anchorGroupMs,
  anchorFrame: 0,
  ...(gain === undefined ? {} : { gain }),
});

/** Pushes frames [0, frames) of a track whose frame f is `value(f)` (left) and `right(f)`, and its end. */
function feed(
  mix: PlayerMix,
  generation: number,
  frames: number,
  left: (f: number) => number,
  right: (f: number) => number = left,
): void {
  for (let start = 0; start < frames; start += 4096) {
    const n = Math.min(4096, frames - start);
    const data = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      data[i * 2] = left(start + i);
      data[i * 2 + 1] = right(start + i);
    }
    mix.push({ type: 'pcm', generation, startFrame: start, data });
  }
  mix.end(generation, frames);
}

/** Renders `blocks` blocks from context frame `from`. */
function run(mix: PlayerMix, from: number, blocks: number): { left: Float64Array; right: Float64Array } {
  const left = new Float64Array(blocks * BLOCK);
  const right = new Float64Array(blocks * BLOCK);
  const l = new Float32Array(BLOCK);
  const r = new Float32Array(BLOCK);
  for (let b = 0; b < blocks; b++) {
    mix.render(l, r, from + b * BLOCK);
    left.set(l, b * BLOCK);
    right.set(r, b * BLOCK);
  }
  return { left, right };
}

describe('PlayerMix: gapless', () => {
  // One sine cut into two tracks: the seam must not show in the output.
  const HZ = 440;
  const sine = (f: number) => Math.sin((2 * Math.PI * HZ * f) / RATE) * 0.5;
  const maxStep = 0.5 * 2 * Math.sin((Math.PI * HZ) / RATE);

  for (const { ppm, offset } of [
    { ppm: 0, offset: 0 },
    { ppm: 180, offset: 0.37 },
    { ppm: -90, offset: 0.81 },
  ]) {
    it(`joins two tracks of one sine without a step or a gap (device ${ppm} ppm, anchor ${offset} frame off the grid)`, () => {
      const mix = new PlayerMix({ sampleRate: RATE });
      const line = aLine(G0, ppm);
      mix.setClock(line);
      const endA = 20_011; // not a multiple of the block
      const startMs = G0 + ((1000 + offset) * 1000) / RATE;
      mix.play(seg(1, startMs));
      mix.queueNext(seg(2, startMs + (endA * 1000) / RATE), 0);
      feed(mix, 1, endA, sine);
      feed(mix, 2, 30_000, (f) => sine(endA + f));
      const { left } = run(mix, 0, 340);
      const first = left.findIndex((v) => v !== 0);
      let worst = 0;
      for (let i = first + 2; i < first + endA + 20_000; i++)
        worst = Math.max(worst, Math.abs(left[i]! - left[i - 1]!));
      expect(worst).toBeLessThan(maxStep * 1.001);
      // The play head ran on into the second track: it is the current one now.
      expect(mix.playing.queue.generation).toBe(2);
      expect(mix.status(340 * BLOCK).errorFrames ?? 1).toBeLessThan(0.01);
    });
  }

  it('switches on the exact output frame the timeline places the next track at', () => {
    const mix = new PlayerMix({ sampleRate: RATE });
    mix.setClock(aLine());
    const endA = 5000;
    mix.play(seg(1, G0));
    mix.queueNext(seg(2, G0 + (endA * 1000) / RATE), 0);
    feed(mix, 1, endA, () => 0.25);
    feed(mix, 2, 8000, () => -0.25);
    const { left } = run(mix, 0, 60);
    expect(left[endA - 1]).toBeCloseTo(0.25, 6);
    expect(left[endA]).toBeCloseTo(-0.25, 6);
    expect(left.slice(0, endA).every((v) => v > 0)).toBe(true);
    expect(left.slice(endA, 7000).every((v) => v < 0)).toBe(true);
  });

  it("switches from the current track's gain to the next one's on the seam's frame", () => {
    const mix = new PlayerMix({ sampleRate: RATE });
    mix.setClock(aLine());
    const endA = 5000;
    mix.play(seg(1, G0, 2));
    mix.queueNext(seg(2, G0 + (endA * 1000) / RATE), 0);
    // The next track's loudness became known before it plays: its gain is set at once, not ramped.
    expect(mix.setGain(2, 0.5)).toBe(true);
    expect(mix.setGain(3, 0.5)).toBe(false);
    // The same level on both sides of the seam: only the gains differ.
    feed(mix, 1, endA, () => 0.25);
    feed(mix, 2, 8000, () => 0.25);
    const { left } = run(mix, 0, 60);
    expect(left.slice(0, endA).every((v) => v === 0.5)).toBe(true);
    expect(left.slice(endA, 7000).every((v) => v === 0.125)).toBe(true);
    expect(mix.playing.queue.generation).toBe(2);
  });

  it('plays the next track from its own anchor when the current one ended before it was placed', () => {
    const mix = new PlayerMix({ sampleRate: RATE });
    mix.setClock(aLine());
    mix.play(seg(1, G0));
    feed(mix, 1, 1000, () => 0.25);
    run(mix, 0, 10);
    mix.queueNext(seg(2, G0 + (2000 * 1000) / RATE), 0);
    feed(mix, 2, 4000, () => -0.25);
    const { left } = run(mix, 10 * BLOCK, 40);
    const start = left.findIndex((v) => v !== 0) + 10 * BLOCK;
    expect(start).toBe(2000);
    expect(mix.playing.queue.generation).toBe(2);
  });

  it('routes PCM by generation, reports both play heads, and forgets a dropped next track', () => {
    const mix = new PlayerMix({ sampleRate: RATE });
    mix.setClock(aLine());
    mix.play(seg(1, G0));
    mix.queueNext(seg(2, G0 + 1000), 0);
    const chunk = (generation: number) => ({
      type: 'pcm' as const,
      generation,
      startFrame: 0,
      data: new Float32Array(8),
    });
    expect(mix.push(chunk(1))).toBe(true);
    expect(mix.push(chunk(2))).toBe(true);
    expect(mix.push(chunk(3))).toBe(false);
    expect(mix.playheads().map((h) => h.generation)).toEqual([1, 2]);
    mix.dropNext();
    expect(mix.nextGeneration).toBeNull();
    expect(mix.push(chunk(2))).toBe(false);
    expect(mix.playheads().map((h) => h.generation)).toEqual([1]);
  });
});

describe('PlayerMix: crossfade', () => {
  const OVERLAP = 4800;
  /** Outgoing track on the left only, incoming on the right only: the channels show the gains. */
  function crossfade(line: ClockLine, from: number, blocks: number, gains: [number, number] = [1, 1]) {
    const mix = new PlayerMix({ sampleRate: RATE });
    mix.setClock(line);
    const endA = 10_000;
    mix.play(seg(1, G0, gains[0]));
    const nextAt = G0 + ((endA - OVERLAP) * 1000) / RATE;
    mix.queueNext(seg(2, nextAt, gains[1]), OVERLAP);
    feed(
      mix,
      1,
      endA,
      () => 1,
      () => 0,
    );
    feed(
      mix,
      2,
      20_000,
      () => 0,
      () => 1,
    );
    return { mix, nextAt, out: run(mix, from, blocks) };
  }

  it('mixes both tracks over the overlap with equal-power gains from the incoming frame position', () => {
    const { mix, out } = crossfade(aLine(), 0, 120);
    const start = 10_000 - OVERLAP;
    expect(out.left[start - 1]).toBe(1);
    expect(out.right[start - 1]).toBe(0);
    for (const into of [0, 1200, 2400, 3600, 4799]) {
      const g = equalPowerGains(into / OVERLAP);
      expect(out.left[start + into], `out at ${into}`).toBeCloseTo(g.outgoing, 6);
      expect(out.right[start + into], `in at ${into}`).toBeCloseTo(g.incoming, 6);
    }
    expect(out.left[start + 2400]! ** 2 + out.right[start + 2400]! ** 2).toBeCloseTo(1, 6);
    expect(out.left[10_000]).toBe(0);
    expect(out.right[12_000]).toBeCloseTo(1, 6);
    expect(mix.playing.queue.generation).toBe(2);
  });

  it('mixes each track at its own gain', () => {
    const { out } = crossfade(aLine(), 0, 120, [0.5, 2]);
    const start = 10_000 - OVERLAP;
    expect(out.left[start - 1]).toBe(0.5);
    for (const into of [0, 1200, 2400, 3600, 4799]) {
      const g = equalPowerGains(into / OVERLAP);
      expect(out.left[start + into], `out at ${into}`).toBeCloseTo(g.outgoing * 0.5, 6);
      expect(out.right[start + into], `in at ${into}`).toBeCloseTo(g.incoming * 2, 6);
    }
    expect(out.right[12_000]).toBeCloseTo(2, 6);
  });

  it('gives two peers the same mix at the same group time, whatever their context frames', () => {
    const a = crossfade(aLine(), 0, 120).out;
    // Another page: its context frame 777 is heard at G0, and its blocks fall elsewhere.
    const b = crossfade(aLine(G0, 0, 777), 777, 120).out;
    for (const at of [5200, 6000, 7000, 9999])
      expect(b.right[at], `incoming gain at frame ${at} after G0`).toBeCloseTo(a.right[at]!, 9);
  });
});

describe('mix gains', () => {
  it('are equal-power, exact at the ends, and step at the anchor when there is no overlap', () => {
    expect(equalPowerGains(0)).toEqual({ outgoing: 1, incoming: 0 });
    expect(equalPowerGains(1)).toEqual({ outgoing: 0, incoming: 1 });
    expect(equalPowerGains(-3)).toEqual({ outgoing: 1, incoming: 0 });
    const mid = equalPowerGains(0.5);
    expect(mid.outgoing).toBeCloseTo(Math.SQRT1_2, 12);
    expect(mid.incoming).toBeCloseTo(Math.SQRT1_2, 12);
    for (const x of [0.1, 0.33, 0.9]) {
      const g = equalPowerGains(x);
      expect(g.outgoing ** 2 + g.incoming ** 2).toBeCloseTo(1, 12);
    }
    expect(overlapProgress(99.9, 100, 0)).toBe(0);
    expect(overlapProgress(100, 100, 0)).toBe(1);
    expect(overlapProgress(50, 100, 400)).toBe(0);
    expect(overlapProgress(300, 100, 400)).toBe(0.5);
    expect(overlapProgress(900, 100, 400)).toBe(1);
  });
});
