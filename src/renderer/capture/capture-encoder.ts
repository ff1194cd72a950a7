/**
 * Encodes sound captured in this window for the room (#22): stamped in group time (CaptureStamper),
 * then Opus through WebCodecs' `AudioEncoder` (48 kHz stereo, 20 ms packets, restricted low-delay
 * mode: 2.5 ms of look-ahead, which the encoder also states as the OpusHead pre-skip) or PCM, into
 * the live protocol's frames, which the window's peer publishes as they are.
 *
 * Each run (see `opus-run.ts`) gets an encoder of its own, from a fresh state: a re-anchor ends the
 * run, whose encoder is flushed (it pads the input with silence until every frame has come out) and
 * closed. Frames go out in run order: a new run's frames wait until the last one's tail is out.
 */
import { floatToS16 } from '../../shared/audio/s16';
import type { CaptureCodec } from '../../shared/bridge/payloads';
import { CaptureStamper } from '../../shared/live/capture-stamper';
import { encodeFlacFrame } from '../../shared/live/flac-encode';
import {
  OPUS_SAMPLE_RATE,
  encodeFlacLiveFrame,
  encodeOpusFrame,
  encodePcmFrame,
} from '../../shared/live/frames';
import { OPUS_LOOKAHEAD_FRAMES, placeOpusPacket } from '../../shared/live/opus-run';

/** What the encoder needs of WebCodecs' AudioEncoder (tests give a stand-in). */
export type AudioEncoderLike = Pick<AudioEncoder, 'configure' | 'encode' | 'flush' | 'close'>;
export type MakeAudioEncoder = (init: AudioEncoderInit) => AudioEncoderLike;

export type { CaptureCodec };

/** Options. */
export interface CaptureEncoderInit {
  codec: CaptureCodec;
  delayMs: number;
  /** Opus bits per second (default 128 000). */
  bitrate?: number;
  /** Each frame of the live protocol, in order. */
  onFrame(frame: Uint8Array): void;
  onError(message: string): void;
  makeEncoder?: MakeAudioEncoder;
}

// `application` is in the Opus registration (and Chromium) but not yet in TypeScript's DOM types.
const lowDelayOpus: OpusEncoderConfig = {
  application: 'lowdelay',
  frameDuration: 20_000,
} as OpusEncoderConfig;

/** The encoder configuration: Opus 48 kHz stereo, 20 ms, low delay. */
export const captureOpusConfig = (bitrate: number): AudioEncoderConfig => ({
  codec: 'opus',
  sampleRate: OPUS_SAMPLE_RATE,
  numberOfChannels: 2,
  bitrate,
  opus: lowDelayOpus,
});

interface Run {
  startGroupMs: number;
  encoder: AudioEncoderLike;
  /** Input frames given to the encoder. */
  fed: number;
  /** Input frames of the whole run, once it is ending (Infinity before). */
  total: number;
  packets: number;
  lookahead: number;
  /** Frames waiting for the run before to finish. */
  held: Uint8Array[] | null;
}

/** One capture's encoder; `push` each captured batch, `close` at the end. */
export class CaptureEncoder {
  readonly #init: CaptureEncoderInit;
  readonly #stamper: CaptureStamper;
  readonly #makeEncoder: MakeAudioEncoder;
  #run: Run | null = null;
  /** Frames sent as FLAC: the next FLAC frame's sample number. */
  #flacFrames = 0;
  /** Resolves when every run so far has all its frames out. */
  #drained: Promise<void> = Promise.resolve();
  /** Frames handed to `onFrame`. */
  frames = 0;

  constructor(init: CaptureEncoderInit) {
    this.#init = init;
    this.#stamper = new CaptureStamper({ delayMs: init.delayMs, sampleRate: OPUS_SAMPLE_RATE });
    this.#makeEncoder = init.makeEncoder ?? ((encoderInit) => new AudioEncoder(encoderInit));
  }

  /** Times the stream was re-anchored after it started (a card's clock apart from group time, a stall). */
  get reanchors(): number {
    return this.#stamper.reanchors;
  }

  /** Re-anchors the runs (after the live delay changed, or a gap in the capture). */
  reset(): void {
    this.#stamper.reset();
  }

  /** Encodes one batch (planar, 48 kHz) whose first frame was captured at `capturedGroupMs`. */
  push(left: Float32Array, right: Float32Array, capturedGroupMs: number): void {
    const frames = left.length;
    if (frames === 0) return;
    const stamp = this.#stamper.push(frames, capturedGroupMs);
    if (this.#init.codec !== 'opus') {
      const interleaved = new Float32Array(frames * 2);
      for (let i = 0; i < frames; i++) {
        interleaved[i * 2] = left[i]!;
        interleaved[i * 2 + 1] = right[i]!;
      }
      const pcm = floatToS16(interleaved);
      if (this.#init.codec === 'pcm') return this.#emit(encodePcmFrame(stamp.groupMs, OPUS_SAMPLE_RATE, pcm));
      // Lossless at about half of PCM's bytes: each batch one FLAC frame, decodable on its own.
      const flac = encodeFlacFrame(pcm, OPUS_SAMPLE_RATE, this.#flacFrames);
      this.#flacFrames += frames;
      return this.#emit(encodeFlacLiveFrame(stamp.groupMs, OPUS_SAMPLE_RATE, frames, flac));
    }
    if (stamp.newRun || !this.#run) this.#startRun(stamp.groupMs);
    const run = this.#run as Run;
    const data = new Float32Array(frames * 2);
    data.set(left, 0);
    data.set(right, frames);
    const audio = new AudioData({
      format: 'f32-planar',
      sampleRate: OPUS_SAMPLE_RATE,
      numberOfFrames: frames,
      numberOfChannels: 2,
      timestamp: Math.round((run.fed * 1e6) / OPUS_SAMPLE_RATE),
      data,
    });
    run.fed += frames;
    try {
      run.encoder.encode(audio);
    } finally {
      audio.close();
    }
  }

  /** Ends the current run and waits until all its frames are out. */
  async close(): Promise<void> {
    this.#endRun();
    await this.#drained;
  }

  #emit(frame: Uint8Array): void {
    this.frames++;
    this.#init.onFrame(frame);
  }

  #startRun(startGroupMs: number): void {
    this.#endRun();
    const bitrate = this.#init.bitrate ?? 128_000;
    const run: Run = {
      startGroupMs,
      encoder: null as unknown as AudioEncoderLike,
      fed: 0,
      total: Infinity,
      packets: 0,
      lookahead: OPUS_LOOKAHEAD_FRAMES,
      held: [],
    };
    run.encoder = this.#makeEncoder({
      output: (chunk, metadata) => this.#onPacket(run, chunk, metadata),
      error: (error) => this.#init.onError(`the Opus encoder failed: ${error.message}`),
    });
    run.encoder.configure(captureOpusConfig(bitrate));
    this.#run = run;
    // The run's frames flow once every run before it is out.
    this.#drained = this.#drained.then(() => {
      for (const frame of run.held ?? []) this.#emit(frame);
      run.held = null;
    });
  }

  #endRun(): void {
    const run = this.#run;
    if (!run) return;
    this.#run = null;
    run.total = run.fed;
    const done = run.encoder
      .flush()
      .catch((error: unknown) => this.#init.onError(`the Opus encoder failed: ${String(error)}`))
      .finally(() => {
        try {
          run.encoder.close();
        } catch {
          // Already closed by an error.
        }
      });
    this.#drained = Promise.all([this.#drained, done]).then(() => undefined);
  }

  #onPacket(run: Run, chunk: EncodedAudioChunk, metadata?: EncodedAudioChunkMetadata): void {
    const description = metadata?.decoderConfig?.description;
    if (run.packets === 0 && description) run.lookahead = opusPreSkip(description) ?? run.lookahead;
    const placed = placeOpusPacket(run.startGroupMs, run.packets++, run.total, run.lookahead);
    if (!placed) return;
    const packet = new Uint8Array(chunk.byteLength);
    chunk.copyTo(packet);
    const frame = encodeOpusFrame(placed.groupMs, placed.skip, placed.frameCount, packet);
    if (run.held) run.held.push(frame);
    else this.#emit(frame);
  }
}

/** The pre-skip of an OpusHead (RFC 7845: "OpusHead", version, channels, pre-skip u16 LE…), or null. */
export function opusPreSkip(description: AllowSharedBufferSource): number | null {
  const bytes = ArrayBuffer.isView(description)
    ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength)
    : new Uint8Array(description);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== 'OpusHead') return null;
  return bytes[10]! | (bytes[11]! << 8);
}
