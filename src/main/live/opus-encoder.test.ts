import { describe, expect, it } from 'vitest';
import { decodeLiveFrame, type LiveFrame } from '../../shared/live/frames';
import { LiveOpusDecoder } from './opus-decoder';
import { OPUS_LOOKAHEAD_FRAMES } from '../../shared/live/opus-run';
import { LiveOpusEncoder } from './opus-encoder';
import type { StampedPcm } from './stamper';

/** A two-tone signal, s16 stereo (right = −left), frames [from, from + n) of a stream at `rate`. */
function tones(rate: number, from: number, n: number): Int16Array {
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    const t = (from + i) / rate;
    const v = Math.round(7000 * Math.sin(2 * Math.PI * 440 * t) + 3000 * Math.sin(2 * Math.PI * 1234.5 * t));
    out[i * 2] = v;
    out[i * 2 + 1] = -v;
  }
  return out;
}

/** Stamped packets of `frames` frames from `startMs`, cut in pieces of `piece` frames (a stamper's output). */
function stamped(rate: number, startMs: number, frames: number, piece: number): StampedPcm[] {
  const out: StampedPcm[] = [];
  for (let at = 0; at < frames; at += piece) {
    const n = Math.min(piece, frames - at);
    out.push({ groupMs: startMs + (at * 1000) / rate, sampleRate: rate, pcm: tones(rate, at, n) });
  }
  return out;
}

type Opus = Extract<LiveFrame, { type: 'opus' }>;
const opusFrames = (frames: Uint8Array[]): Opus[] =>
  frames.map((bytes) => {
    const f = decodeLiveFrame(bytes);
    if (!f.ok || f.value.type !== 'opus') throw new Error(f.ok ? f.value.type : f.error);
    return f.value;
  });

/** Decodes frames into one buffer placed by group time from `startMs` (48 kHz), plus the decoded stamps. */
function render(frames: Opus[], startMs: number, length: number): { left: Float64Array; stamps: number[] } {
  const decoder = new LiveOpusDecoder();
  const left = new Float64Array(length);
  const stamps: number[] = [];
  for (const f of frames) {
    const r = decoder.decode(f);
    if (!r.ok) throw new Error(r.error);
    const at = Math.round(((r.value.groupMs - startMs) * 48_000) / 1000);
    stamps.push(at);
    for (let i = 0; i < r.value.pcm.length >> 1 && at + i < length; i++) left[at + i] = r.value.pcm[i * 2]!;
  }
  decoder.close();
  return { left, stamps };
}

/** Signal-to-error ratio (dB) of `got` against `want` over [from, to), with `got` shifted by `lag`. */
function snrDb(want: (i: number) => number, got: Float64Array, from: number, to: number, lag = 0): number {
  let signal = 0;
  let error = 0;
  for (let i = from; i < to; i++) {
    const w = want(i);
    signal += w * w;
    error += (w - (got[i + lag] ?? 0)) ** 2;
  }
  return 10 * Math.log10(signal / error);
}

describe('LiveOpusEncoder', () => {
  it('keeps every input frame exactly once, each at its own group time', () => {
    const encoder = new LiveOpusEncoder();
    const startMs = 1_000_000;
    const total = 48_000; // 1 s in odd pieces
    const frames = opusFrames([
      ...stamped(48_000, startMs, total, 701).flatMap((p) => encoder.push(p)),
      ...encoder.flush(),
    ]);
    expect(frames[0]).toMatchObject({ groupMs: startMs, skip: OPUS_LOOKAHEAD_FRAMES });
    expect(frames.slice(1).every((f) => f.skip === 0)).toBe(true);
    expect(frames.reduce((n, f) => n + f.frameCount, 0)).toBe(total);
    const { left, stamps } = render(frames, startMs, total);
    // Each packet starts where the last one ended: one sample-continuous run.
    for (let k = 1; k < frames.length; k++)
      expect(stamps[k]).toBe(stamps[k - 1]! + frames[k - 1]!.frameCount);
    const want = (i: number) => tones(48_000, i, 1)[0]!;
    // Lossy, but sample-aligned: far better at lag 0 than one sample either side.
    const aligned = snrDb(want, left, 2000, total - 2000);
    expect(aligned).toBeGreaterThan(25);
    expect(aligned - snrDb(want, left, 2000, total - 2000, 1)).toBeGreaterThan(10);
    expect(aligned - snrDb(want, left, 2000, total - 2000, -1)).toBeGreaterThan(10);
    encoder.close();
  });

  it('starts a new run at a jump in the stamps, with its own look-ahead skipped', () => {
    const encoder = new LiveOpusEncoder();
    const first = stamped(48_000, 5000, 4800, 960).flatMap((p) => encoder.push(p));
    const second = stamped(48_000, 6000, 4800, 960).flatMap((p) => encoder.push(p));
    const frames = opusFrames([...first, ...second, ...encoder.flush()]);
    const runTwo = frames.findIndex((f) => f.groupMs >= 6000);
    expect(frames[runTwo]).toMatchObject({ groupMs: 6000, skip: OPUS_LOOKAHEAD_FRAMES });
    expect(frames.slice(0, runTwo).reduce((n, f) => n + f.frameCount, 0)).toBe(4800);
    expect(frames.slice(runTwo).reduce((n, f) => n + f.frameCount, 0)).toBe(4800);
    // The first run ended (the end of its last packet) before the second starts.
    const last = frames[runTwo - 1]!;
    expect(last.groupMs + (last.frameCount * 1000) / 48_000).toBeCloseTo(5100, 6);
    // Decoded in one decoder, as a window does: the second run is as clean as the first.
    const { left } = render(frames, 5000, 48_000 + 4800);
    const want = (i: number) =>
      i < 4800 ? tones(48_000, i, 1)[0]! : i >= 48_000 ? tones(48_000, i - 48_000, 1)[0]! : 0;
    expect(snrDb(want, left, 48_000, 48_000 + 4800)).toBeGreaterThan(25);
    encoder.close();
  });

  it('resamples 44.1 kHz input to 48 kHz with the stamps kept', () => {
    const encoder = new LiveOpusEncoder();
    const startMs = 2000;
    const frames = opusFrames([
      ...stamped(44_100, startMs, 44_100, 882).flatMap((p) => encoder.push(p)),
      ...encoder.flush(),
    ]);
    expect(frames.reduce((n, f) => n + f.frameCount, 0)).toBe(48_000);
    const { left } = render(frames, startMs, 48_000);
    // Output frame i is the tone at time i / 48000: the same signal, at the same group time.
    const want = (i: number) => {
      const t = i / 48_000;
      return 7000 * Math.sin(2 * Math.PI * 440 * t) + 3000 * Math.sin(2 * Math.PI * 1234.5 * t);
    };
    expect(snrDb(want, left, 2000, 46_000)).toBeGreaterThan(25);
    encoder.close();
  });

  it('cuts 192 kB/s of PCM to about a tenth', () => {
    const encoder = new LiveOpusEncoder();
    const bytes = stamped(48_000, 0, 48_000 * 5, 960)
      .flatMap((p) => encoder.push(p))
      .reduce((n, f) => n + f.length, 0);
    expect(bytes / 5).toBeLessThan(20_000);
    encoder.close();
  });
});
