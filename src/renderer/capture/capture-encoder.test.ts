import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLiveFrame, type LiveFrame } from '../../shared/live/frames';
import { decodeFlacLiveFrame } from '../../shared/live/flac-decode';
import { CaptureEncoder, opusPreSkip, type MakeAudioEncoder } from './capture-encoder';

/**
 * A stand-in for Chromium's WebCodecs Opus encoder, as measured on Chromium 156 (lowdelay, 20 ms):
 * one packet per 960 frames given, the first with an OpusHead whose pre-skip is 120, and a flush that
 * pads with silence until every frame given has come out (1 s in: 51 packets). The packet's bytes
 * name the packet's index in its encoder, so a test can follow them.
 */
const fakeEncoders: { fed: number; packets: number; closed: boolean }[] = [];
const makeFake: MakeAudioEncoder = (init) => {
  const state = { fed: 0, packets: 0, closed: false };
  fakeEncoders.push(state);
  const head = new Uint8Array(
    [...'OpusHead'].map((c) => c.charCodeAt(0)).concat([1, 2, 120, 0, 128, 187, 0, 0, 0, 0, 0]),
  );
  const out = () => {
    const n = state.packets++;
    const data = new Uint8Array([n & 0xff, n >> 8, 0xfc]);
    const chunk = {
      byteLength: data.length,
      copyTo: (to: Uint8Array) => to.set(data),
    } as unknown as EncodedAudioChunk;
    init.output(
      chunk,
      n === 0
        ? { decoderConfig: { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, description: head } }
        : {},
    );
  };
  return {
    configure: () => undefined,
    encode: (audio: AudioData) => {
      state.fed += audio.numberOfFrames;
      while ((state.packets + 1) * 960 <= state.fed) out();
    },
    flush: async () => {
      await Promise.resolve();
      while (state.packets * 960 - 120 < state.fed) out();
    },
    close: () => void (state.closed = true),
  };
};

class FakeAudioData {
  readonly numberOfFrames: number;
  constructor(init: { numberOfFrames: number }) {
    this.numberOfFrames = init.numberOfFrames;
  }
  close(): void {}
}

beforeAll(() => void ((globalThis as Record<string, unknown>).AudioData = FakeAudioData));
afterAll(() => void delete (globalThis as Record<string, unknown>).AudioData);

function encoderWith(codec: 'opus' | 'flac' | 'pcm') {
  const frames: LiveFrame[] = [];
  const errors: string[] = [];
  const encoder = new CaptureEncoder({
    codec,
    delayMs: 300,
    makeEncoder: makeFake,
    onFrame: (bytes) => {
      const decoded = decodeLiveFrame(bytes);
      if (!decoded.ok) throw new Error(decoded.error);
      frames.push(decoded.value);
    },
    onError: (message) => errors.push(message),
  });
  return { encoder, frames, errors };
}

const BATCH = 2048;
const batchMs = (BATCH * 1000) / 48_000;
const silence = new Float32Array(BATCH);

describe('CaptureEncoder', () => {
  it('reads the pre-skip of an OpusHead', () => {
    const head = new Uint8Array([...'OpusHead'].map((c) => c.charCodeAt(0)).concat([1, 2, 56, 1, 0, 0]));
    expect(opusPreSkip(head)).toBe(312);
    expect(opusPreSkip(new Uint8Array(12))).toBeNull();
  });

  it('places every captured frame exactly once, at its own group time, across a re-anchor', async () => {
    const { encoder, frames, errors } = encoderWith('opus');
    const start = 10_000;
    // 2 s of a card on time, then the window is held up 400 ms (a re-anchor), then 1 s more.
    const batches: number[] = [];
    for (let i = 0; i < 47; i++) batches.push(start + i * batchMs);
    for (let i = 47; i < 70; i++) batches.push(start + 400 + i * batchMs);
    for (const at of batches) encoder.push(silence, silence, at);
    await encoder.close();
    expect(errors).toEqual([]);
    const opus = frames.filter((f): f is Extract<LiveFrame, { type: 'opus' }> => f.type === 'opus');
    expect(opus.length).toBe(frames.length);
    // Two runs: each starts by skipping the look-ahead, and each frame follows the one before.
    const starts = opus.filter((f) => f.skip === 120);
    expect(starts.map((f) => f.groupMs)).toEqual([start + 300, start + 400 + 47 * batchMs + 300]);
    const kept = (runStart: number) => {
      const run = opus.filter(
        (f) => f.groupMs >= runStart && (runStart !== start + 300 || f.groupMs < starts[1]!.groupMs),
      );
      let next = runStart;
      let total = 0;
      for (const f of run) {
        expect(f.groupMs).toBeCloseTo(next, 9);
        next = f.groupMs + (f.frameCount * 1000) / 48_000;
        total += f.frameCount;
      }
      return total;
    };
    expect(kept(start + 300)).toBe(47 * BATCH);
    expect(kept(starts[1]!.groupMs)).toBe(23 * BATCH);
    // Each run had an encoder of its own, closed at its end.
    expect(fakeEncoders.slice(-2).map((e) => e.closed)).toEqual([true, true]);
  });

  it('sends PCM frames stamped the same way with codec pcm', async () => {
    const { encoder, frames } = encoderWith('pcm');
    const tone = Float32Array.from({ length: BATCH }, (_, i) => Math.sin(i / 10) / 2);
    encoder.push(tone, tone, 0);
    encoder.push(tone, tone, batchMs + 3);
    await encoder.close();
    expect(frames.map((f) => f.type === 'pcm' && [f.groupMs, f.sampleRate, f.frameCount])).toEqual([
      [300, 48_000, BATCH],
      [300 + batchMs, 48_000, BATCH],
    ]);
    const first = frames[0] as Extract<LiveFrame, { type: 'pcm' }>;
    expect(first.pcm[20]).toBe(Math.round(tone[10]! * 32768));
  });

  it('sends FLAC frames stamped the same way with codec flac, decoding to exactly the PCM', async () => {
    const { encoder, frames } = encoderWith('flac');
    const pcmRun = encoderWith('pcm');
    const tone = Float32Array.from({ length: BATCH }, (_, i) => Math.sin(i / 10) / 2);
    for (const e of [encoder, pcmRun.encoder]) {
      e.push(tone, tone, 0);
      e.push(tone, tone, batchMs + 3);
      await e.close();
    }
    expect(frames.map((f) => f.type === 'flac' && [f.groupMs, f.sampleRate, f.frameCount])).toEqual([
      [300, 48_000, BATCH],
      [300 + batchMs, 48_000, BATCH],
    ]);
    frames.forEach((f, i) => {
      const decoded = f.type === 'flac' ? decodeFlacLiveFrame(f) : null;
      const pcm = pcmRun.frames[i] as Extract<LiveFrame, { type: 'pcm' }>;
      expect(decoded?.ok && Array.from(decoded.value.pcm)).toEqual(Array.from(pcm.pcm));
    });
  });
});
