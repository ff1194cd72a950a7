import { describe, expect, it } from 'vitest';
import { crc16, crc8 } from './flac-bits';
import { decodeFlacFrame } from './flac-decode';
import { encodeFlacFrame, flacStreamHeader } from './flac-encode';

/** A seeded pseudo-random generator (mulberry32), so failures repeat. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function signal(frames: number, sample: (n: number, channel: number) => number): Int16Array {
  const out = new Int16Array(frames * 2);
  for (let n = 0; n < frames; n++)
    for (let c = 0; c < 2; c++) out[n * 2 + c] = Math.max(-32768, Math.min(32767, Math.round(sample(n, c))));
  return out;
}

const rnd = random(7);
const signals: Record<string, Int16Array> = {
  tone: signal(960, (n, c) => 9000 * Math.sin((2 * Math.PI * 440 * n) / 48_000 + c)),
  'same on both sides': signal(960, (n) => 12_000 * Math.sin((2 * Math.PI * 97 * n) / 48_000)),
  'opposite sides': signal(882, (n, c) => (c ? -1 : 1) * 20_000 * Math.sin(n / 7)),
  silence: new Int16Array(1920),
  'full-scale noise': signal(1024, () => Math.floor(rnd() * 65_536) - 32_768),
  'extremes alternating': signal(500, (n, c) => ((n + c) % 2 ? 32767 : -32768)),
  'one frame': Int16Array.from([-32768, 32767]),
  'seven frames': signal(7, (n, c) => n * 1000 - c * 3000),
  'the longest packet': signal(9600, (n, c) => 15_000 * Math.sin(n / (30 + c)) + rnd() * 200),
};

describe('FLAC frames', () => {
  it.each(Object.entries(signals))('round-trips %s bit for bit', (_name, pcm) => {
    const frame = encodeFlacFrame(pcm, 48_000, 123_456_789);
    const decoded = decodeFlacFrame(frame);
    expect(decoded.ok && decoded.value.sampleRate).toBe(48_000);
    expect(decoded.ok && decoded.value.frameCount).toBe(pcm.length / 2);
    expect(decoded.ok && Array.from(decoded.value.pcm)).toEqual(Array.from(pcm));
  });

  it('compresses music-like sound and silence', () => {
    const tone = signals.tone!;
    expect(encodeFlacFrame(tone, 48_000, 0).length).toBeLessThan(tone.byteLength * 0.5);
    expect(encodeFlacFrame(signals.silence!, 48_000, 0).length).toBeLessThan(20);
    // Noise does not compress, and costs little more than PCM.
    const noise = signals['full-scale noise']!;
    expect(encodeFlacFrame(noise, 48_000, 0).length).toBeLessThan(noise.byteLength + 32);
  });

  it('states any rate in the header (coded, in Hz, in tens of Hz)', () => {
    for (const rate of [44_100, 48_000, 192_000, 11_025, 64_000, 176_390, 8000]) {
      const decoded = decodeFlacFrame(encodeFlacFrame(signals.tone!, rate, 5));
      expect(decoded.ok && decoded.value.sampleRate).toBe(rate);
    }
  });

  it('codes sample numbers up to 36 bits', () => {
    for (const first of [0, 127, 128, 2047, 2048, 65_535, 2 ** 21, 2 ** 31 + 5, 2 ** 36 - 1]) {
      const decoded = decodeFlacFrame(encodeFlacFrame(signals['seven frames']!, 48_000, first));
      expect(decoded.ok).toBe(true);
    }
  });

  it('refuses a damaged, cut or foreign frame with a reason, and never throws', () => {
    const frame = encodeFlacFrame(signals.tone!, 48_000, 0);
    const flipped = frame.slice();
    flipped[40]! ^= 0x10;
    expect(decodeFlacFrame(flipped)).toEqual({ ok: false, error: 'FLAC: frame CRC mismatch' });
    const header = frame.slice();
    header[3]! ^= 0x02;
    expect(decodeFlacFrame(header).ok).toBe(false);
    expect(decodeFlacFrame(frame.subarray(0, 30)).ok).toBe(false);
    expect(decodeFlacFrame(new Uint8Array(0))).toEqual({ ok: false, error: 'FLAC: short frame' });
    expect(decodeFlacFrame(frame, 100)).toEqual({ ok: false, error: 'FLAC: 960 frames, more than 100' });
    const garbage = random(3);
    for (let i = 0; i < 2000; i++) {
      const bytes = frame.slice();
      for (let j = 0; j < 3; j++) bytes[Math.floor(garbage() * bytes.length)] = Math.floor(garbage() * 256);
      const decoded = decodeFlacFrame(bytes);
      if (decoded.ok) expect(decoded.value.pcm.length).toBe(decoded.value.frameCount * 2);
    }
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: 8 + Math.floor(garbage() * 300) }, () => garbage() * 256);
      bytes[0] = 0xff;
      bytes[1] = 0xf8;
      expect(decodeFlacFrame(bytes).ok).toBe(false);
    }
  });

  it('computes the CRCs of the format (check values of "123456789")', () => {
    const check = Uint8Array.from('123456789', (c) => c.charCodeAt(0));
    expect(crc8(check)).toBe(0xf4);
    expect(crc16(check)).toBe(0xfee8);
  });

  it('writes a STREAMINFO block', () => {
    const header = flacStreamHeader(44_100, 9600);
    expect(header.length).toBe(4 + 4 + 34);
    expect(String.fromCharCode(...header.subarray(0, 4))).toBe('fLaC');
    const view = new DataView(header.buffer);
    expect(view.getUint16(10)).toBe(9600);
    // Rate (20 bits), channels − 1 (3), bits − 1 (5).
    expect(view.getUint32(18) >>> 12).toBe(44_100);
    expect((view.getUint8(20) >> 1) & 7).toBe(1);
  });
});
