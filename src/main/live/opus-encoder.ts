/**
 * Opus for a live source (#22): the source peer encodes its stamped PCM once, 48 kHz stereo in
 * packets of 20 ms, and every listener gets the packets (about 16 kB/s at 128 kb/s, against 192 kB/s
 * of PCM).
 *
 * Stamps stay exact. Packets are cut from a **run**: PCM whose stamps follow each other (the stamper's
 * anchor and frame count). Each run has its own encoder state, so its decoded output is the run's
 * input delayed by the encoder's look-ahead (120 frames, 2.5 ms, in the restricted low-delay mode):
 * decoded frame k of the run is input frame k − 120. The OPUS frame says so: the run's first packet
 * skips the 120 frames of look-ahead, every packet carries the group time of its first kept frame,
 * and the run's end (a stall, a jump in the stamps, a stop) is padded with silence until every input
 * frame has come out, the padding not kept. Input at another rate (44.1 kHz from AirPlay) is resampled
 * to 48 kHz per run, output frame n being input position n · rate / 48000 exactly.
 */
import OpusScript from 'opusscript';
import { StreamResampler } from '../../shared/audio/resampler';
import { floatToS16, s16ToPlanar } from '../../shared/audio/s16';
import { OPUS_SAMPLE_RATE, encodeOpusFrame } from '../../shared/live/frames';
import { OPUS_LOOKAHEAD_FRAMES, OPUS_PACKET_FRAMES, placeOpusPacket } from '../../shared/live/opus-run';
import type { StampedPcm } from './stamper';

const OPUS_RESET_STATE = 4028;
/** A stamp within this of where the run would go on continues it (ms). */
const CONTINUITY_MS = 1;

/** Options; each has a default. */
export interface LiveOpusInit {
  /** Bits per second (default 128 000). */
  bitrate?: number;
}

interface Run {
  startGroupMs: number;
  inRate: number;
  inFrames: number;
  resampler: StreamResampler | null;
  /** 48 kHz frames handed to the encoder, padding excluded. */
  fed: number;
  packets: number;
}

/** Turns one source's stamped PCM into OPUS frames. */
export class LiveOpusEncoder {
  readonly #opus: OpusScript;
  readonly #pending = new Int16Array(OPUS_PACKET_FRAMES * 2);
  #pendingFrames = 0;
  #run: Run | null = null;
  /** Packets encoded. */
  packets = 0;

  constructor(init: LiveOpusInit = {}) {
    this.#opus = new OpusScript(OPUS_SAMPLE_RATE, 2, OpusScript.Application.RESTRICTED_LOWDELAY);
    this.#opus.setBitrate(init.bitrate ?? 128_000);
  }

  /** Encodes stamped PCM; a stamp that does not follow the run ends it first. */
  push(p: StampedPcm): Uint8Array[] {
    const out: Uint8Array[] = [];
    let run = this.#run;
    if (run) {
      const expectedMs = run.startGroupMs + (run.inFrames * 1000) / run.inRate;
      if (run.inRate !== p.sampleRate || Math.abs(p.groupMs - expectedMs) > CONTINUITY_MS) {
        out.push(...this.flush());
        run = null;
      }
    }
    if (!run) {
      run = {
        startGroupMs: p.groupMs,
        inRate: p.sampleRate,
        inFrames: 0,
        resampler:
          p.sampleRate === OPUS_SAMPLE_RATE ? null : new StreamResampler(p.sampleRate, OPUS_SAMPLE_RATE),
        fed: 0,
        packets: 0,
      };
      this.#run = run;
    }
    run.inFrames += p.pcm.length >> 1;
    const pcm = run.resampler ? resampled(run.resampler, p.pcm, false) : p.pcm;
    out.push(...this.#feed(run, pcm));
    return out;
  }

  /** Ends the run: its last frames come out (padded with silence that is not kept). */
  flush(): Uint8Array[] {
    const run = this.#run;
    if (!run) return [];
    this.#run = null;
    const out = run.resampler ? this.#feed(run, resampled(run.resampler, new Int16Array(0), true)) : [];
    const total = run.fed;
    while (run.packets * OPUS_PACKET_FRAMES - OPUS_LOOKAHEAD_FRAMES < total) {
      this.#pending.fill(0, this.#pendingFrames * 2);
      this.#pendingFrames = OPUS_PACKET_FRAMES;
      const frame = this.#encode(run, total);
      if (frame) out.push(frame);
    }
    this.#pendingFrames = 0;
    this.#opus.encoderCTL(OPUS_RESET_STATE, 0);
    return out;
  }

  /** Frees the encoder. */
  close(): void {
    this.#run = null;
    this.#opus.delete();
  }

  #feed(run: Run, pcm: Int16Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const frames = pcm.length >> 1;
    run.fed += frames;
    for (let at = 0; at < frames;) {
      const n = Math.min(frames - at, OPUS_PACKET_FRAMES - this.#pendingFrames);
      this.#pending.set(pcm.subarray(at * 2, (at + n) * 2), this.#pendingFrames * 2);
      this.#pendingFrames += n;
      at += n;
      if (this.#pendingFrames === OPUS_PACKET_FRAMES) {
        const frame = this.#encode(run, Infinity);
        if (frame) out.push(frame);
      }
    }
    return out;
  }

  /** Encodes the pending packet; null when it keeps no frame (all look-ahead or padding). */
  #encode(run: Run, totalFrames: number): Uint8Array | null {
    const bytes = new Uint8Array(this.#pending.buffer);
    const packet = this.#opus.encode(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      OPUS_PACKET_FRAMES,
    );
    this.#pendingFrames = 0;
    const placed = placeOpusPacket(run.startGroupMs, run.packets++, totalFrames);
    this.packets++;
    return placed && encodeOpusFrame(placed.groupMs, placed.skip, placed.frameCount, packet);
  }
}

/** Interleaved s16 through a resampler (planar float), back to interleaved s16. */
function resampled(resampler: StreamResampler, pcm: Int16Array, final: boolean): Int16Array {
  const { left, right } = s16ToPlanar(pcm);
  return floatToS16(resampler.push(left, right, final));
}
