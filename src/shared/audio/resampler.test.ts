import { describe, expect, it } from 'vitest';
import { StreamResampler } from './resampler';

function sine(freq: number, rate: number, from: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * freq * (from + i)) / rate);
  return out;
}

/** Feeds input frames [from, to) in pieces of `piece` and collects the interleaved output. */
function convert(r: StreamResampler, freq: number, from: number, to: number, piece = 1000): Float32Array {
  const parts: Float32Array[] = [];
  for (let at = from; at < to; at += piece) {
    const n = Math.min(piece, to - at);
    const s = sine(freq, r.inRate, at, n);
    parts.push(
      r.push(
        s,
        s.map((v) => -v),
        at + n >= to,
      ),
    );
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  return all;
}

describe('StreamResampler', () => {
  it('turns a 44.1 kHz sine into the same sine at 48 kHz, to better than −66 dB', () => {
    const r = new StreamResampler(44_100, 48_000);
    r.reset(0, 0);
    const out = convert(r, 1000, 0, 44_100);
    expect(out.length / 2).toBeGreaterThan(47_900);
    let worst = 0;
    for (let n = 100; n < 47_900; n++) {
      const expected = 0.5 * Math.sin((2 * Math.PI * 1000 * n) / 48_000);
      worst = Math.max(worst, Math.abs(out[n * 2]! - expected), Math.abs(out[n * 2 + 1]! + expected));
    }
    expect(worst).toBeLessThan(0.5 * 10 ** (-66 / 20));
  });

  it('passes 15 kHz and keeps the frame timing exact', () => {
    const r = new StreamResampler(44_100, 48_000);
    r.reset(0, 0);
    const out = convert(r, 15_000, 0, 22_050);
    let worst = 0;
    for (let n = 200; n < 23_000; n++) {
      const expected = 0.5 * Math.sin((2 * Math.PI * 15_000 * n) / 48_000);
      worst = Math.max(worst, Math.abs(out[n * 2]! - expected));
    }
    expect(worst).toBeLessThan(0.02);
  });

  it('restarted at any output frame, produces the very frames of an unbroken run', () => {
    const whole = new StreamResampler(44_100, 48_000);
    whole.reset(0, 0);
    const all = convert(whole, 440, 0, 44_100);
    const start = 12_345;
    const again = new StreamResampler(44_100, 48_000);
    const inFrame = again.inputStartFor(start);
    again.reset(start, inFrame);
    const part = convert(again, 440, inFrame, 44_100, 777);
    for (let n = 0; n < 1000; n++) expect(part[n * 2]).toBeCloseTo(all[(start + n) * 2]!, 6);
  });

  it('downsamples 96 kHz to 48 kHz without folding 30 kHz back in', () => {
    const r = new StreamResampler(96_000, 48_000);
    r.reset(0, 0);
    const out = convert(r, 30_000, 0, 48_000);
    let peak = 0;
    for (let n = 100; n < 23_000; n++) peak = Math.max(peak, Math.abs(out[n * 2]!));
    expect(peak).toBeLessThan(0.5 * 10 ** (-60 / 20));
  });
});
