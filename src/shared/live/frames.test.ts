import { describe, expect, it } from 'vitest';
import {
  LiveFrameSplitter,
  decodeLiveFrame,
  decodeOpenFrame,
  encodeEndFrame,
  encodeFlacLiveFrame,
  encodeOpenFrame,
  encodeOpusFrame,
  encodePcmFrame,
  encodeStallFrame,
  liveLimits,
  withLengthPrefix,
} from './frames';
import { encodeFlacFrame } from './flac-encode';

describe('live frames', () => {
  it('round-trips PCM, STALL, END and OPEN frames', () => {
    const pcm = Int16Array.from([1, -1, 32767, -32768, 0, 5]);
    const decoded = decodeLiveFrame(encodePcmFrame(1_700_000_000_123.25, 44100, pcm));
    expect(decoded).toEqual({
      ok: true,
      value: { type: 'pcm', groupMs: 1_700_000_000_123.25, sampleRate: 44100, frameCount: 3, pcm },
    });
    expect(decodeLiveFrame(encodeStallFrame(42.5))).toEqual({
      ok: true,
      value: { type: 'stall', groupMs: 42.5 },
    });
    expect(decodeLiveFrame(encodeEndFrame('gone'))).toEqual({
      ok: true,
      value: { type: 'end', reason: 'gone' },
    });
    expect(decodeOpenFrame(encodeOpenFrame('line-in-0123abcd'))).toEqual({
      ok: true,
      value: 'line-in-0123abcd',
    });
  });

  it('refuses frames that break the format', () => {
    const good = encodePcmFrame(1000, 48000, new Int16Array(4));
    expect(decodeLiveFrame(good.subarray(0, good.length - 1)).ok).toBe(false);
    const badRate = good.slice();
    new DataView(badRate.buffer).setUint32(9, 1, true);
    expect(decodeLiveFrame(badRate).ok).toBe(false);
    const nan = good.slice();
    new DataView(nan.buffer).setFloat64(1, Number.NaN, true);
    expect(decodeLiveFrame(nan).ok).toBe(false);
    expect(decodeLiveFrame(Uint8Array.of(0x7f)).ok).toBe(false);
    expect(decodeLiveFrame(new Uint8Array(0)).ok).toBe(false);
    expect(decodeLiveFrame(Uint8Array.of(0x03, 0xff)).ok).toBe(false);
    expect(decodeOpenFrame(encodeOpenFrame('../../etc')).ok).toBe(false);
    expect(decodeLiveFrame(new Uint8Array(liveLimits.maxFrameBytes + 1)).ok).toBe(false);
  });

  it('round-trips OPUS frames and refuses ones that break the format', () => {
    const packet = Uint8Array.of(0xfc, 1, 2, 3);
    expect(decodeLiveFrame(encodeOpusFrame(1234.5, 120, 840, packet))).toEqual({
      ok: true,
      value: { type: 'opus', groupMs: 1234.5, skip: 120, frameCount: 840, packet },
    });
    expect(decodeLiveFrame(encodeOpusFrame(1, 0, 0, packet)).ok).toBe(false);
    expect(decodeLiveFrame(encodeOpusFrame(1, 5000, 5000, packet)).ok).toBe(false);
    expect(decodeLiveFrame(encodeOpusFrame(Number.NaN, 0, 960, packet)).ok).toBe(false);
    expect(decodeLiveFrame(encodeOpusFrame(1, 0, 960, new Uint8Array(0))).ok).toBe(false);
    expect(
      decodeLiveFrame(encodeOpusFrame(1, 0, 960, new Uint8Array(liveLimits.maxOpusPacketBytes + 1))).ok,
    ).toBe(false);
  });

  it('cuts a long END reason on a character boundary', () => {
    const frame = encodeEndFrame('é'.repeat(1000));
    expect(frame.length - 1).toBeLessThanOrEqual(liveLimits.maxReasonBytes);
    expect(decodeLiveFrame(frame).ok).toBe(true);
  });

  it('splits a length-prefixed body however it is cut', () => {
    const frames = [
      encodeStallFrame(1),
      encodePcmFrame(2, 48000, new Int16Array(960 * 2)),
      encodeEndFrame('x'),
    ];
    const body = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
    let at = 0;
    for (const f of frames) {
      body.set(withLengthPrefix(f), at);
      at += 4 + f.length;
    }
    for (const cut of [1, 3, 7, 100, body.length]) {
      const splitter = new LiveFrameSplitter();
      const out: Uint8Array[] = [];
      for (let i = 0; i < body.length; i += cut) {
        const r = splitter.push(body.subarray(i, i + cut));
        if (!r.ok) throw new Error(r.error);
        out.push(...r.value);
      }
      expect(out.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)));
    }
    const bad = new LiveFrameSplitter().push(Uint8Array.of(0xff, 0xff, 0xff, 0x7f));
    expect(bad.ok).toBe(false);
  });

  it('frames a FLAC frame with its stamp, rate and frame count, and refuses a malformed one', () => {
    const flac = encodeFlacFrame(
      Int16Array.from({ length: 1920 }, (_, i) => i * 7),
      44100,
      0,
    );
    const bytes = encodeFlacLiveFrame(1_700_000_000_000.5, 44100, 960, flac);
    expect(bytes.length).toBe(15 + flac.length);
    expect(decodeLiveFrame(bytes)).toEqual({
      ok: true,
      value: { type: 'flac', groupMs: 1_700_000_000_000.5, sampleRate: 44100, frameCount: 960, flac },
    });
    const bad = (edit: (view: DataView) => void) => {
      const copy = bytes.slice();
      edit(new DataView(copy.buffer));
      return decodeLiveFrame(copy);
    };
    expect(bad((v) => v.setUint16(13, 0, true))).toEqual({ ok: false, error: 'FLAC: 0 frames out of range' });
    expect(bad((v) => v.setUint16(13, 9601, true))).toEqual({
      ok: false,
      error: 'FLAC: 9601 frames out of range',
    });
    expect(bad((v) => v.setUint32(9, 200_000, true))).toEqual({
      ok: false,
      error: 'FLAC: sample rate 200000 out of range',
    });
    expect(bad((v) => v.setFloat64(1, Number.NaN, true))).toEqual({
      ok: false,
      error: 'FLAC: bad group time',
    });
    expect(decodeLiveFrame(bytes.subarray(0, 20))).toEqual({ ok: false, error: 'FLAC: short frame' });
    // The largest FLAC frame of the largest packet fits the limit of every frame.
    const noise = Int16Array.from({ length: 9600 * 2 }, (_, i) => ((i * 2_654_435_761) >>> 7) & 0xffff);
    const largest = encodeFlacFrame(noise, 48000, 0);
    expect(largest.length).toBeLessThanOrEqual(liveLimits.maxFlacFrameBytes);
    expect(decodeLiveFrame(encodeFlacLiveFrame(0, 48000, 9600, largest)).ok).toBe(true);
  });
});
