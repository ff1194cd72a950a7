/**
 * A live stream's OPUS frames decoded in the decoder worker with WebCodecs' `AudioDecoder` (48 kHz
 * stereo, raw Opus packets, no container): each frame's decoded PCM less the frames its header skips
 * (the encoder's look-ahead at the start of a run, the padding at its end), with the group time of
 * its first kept frame. Packets go through one decoder in the order they came, as they were encoded.
 *
 * A frame that skips frames starts a run (the source's encoder started afresh): it goes to a new
 * decoder, as a decoder that remembers the last run gets the band energies wrong for several
 * packets; the old one finishes what it has. Outputs come back in order, asynchronously; `decode`
 * resolves with the frame's PCM, or rejects when the packet cannot be decoded (the decoder is then
 * made anew for the next packet).
 */
import { OPUS_SAMPLE_RATE, type LiveFrame } from '../../../shared/live/frames';

type OpusFrame = Extract<LiveFrame, { type: 'opus' }>;

/** Planar PCM heard from `groupMs` on. */
export interface PcmBlock {
  groupMs: number;
  sampleRate: number;
  left: Float32Array;
  right: Float32Array;
}

interface Pending {
  frame: OpusFrame;
  resolve(block: PcmBlock): void;
  reject(error: Error): void;
}

/** One AudioDecoder and the frames it has yet to give back, in order. */
interface Decoder {
  codec: AudioDecoder;
  pending: Pending[];
}

/** Whether this context can decode Opus itself (WebCodecs needs a secure context). */
export const canDecodeOpus = (): boolean => typeof AudioDecoder !== 'undefined';

/** Decodes one stream's OPUS frames, in order. */
export class OpusFrameDecoder {
  #decoder: Decoder | null = null;
  #timestampUs = 0;

  /** The PCM an OPUS frame keeps. */
  decode(frame: OpusFrame): Promise<PcmBlock> {
    if (frame.skip > 0 && this.#decoder) this.#retire(this.#decoder);
    const decoder = this.#open();
    const done = new Promise<PcmBlock>((resolve, reject) => decoder.pending.push({ frame, resolve, reject }));
    decoder.codec.decode(
      new EncodedAudioChunk({ type: 'key', timestamp: this.#timestampUs, data: frame.packet }),
    );
    this.#timestampUs += 20_000;
    return done;
  }

  /** Ends the decoder; frames still pending are refused. */
  close(): void {
    if (this.#decoder) this.#fail(this.#decoder, new Error('the stream ended'));
  }

  #open(): Decoder {
    if (this.#decoder) return this.#decoder;
    const decoder: Decoder = {
      pending: [],
      codec: new AudioDecoder({
        output: (data) => this.#output(decoder, data),
        error: (error) => this.#fail(decoder, new Error(`Opus: ${error.message}`)),
      }),
    };
    decoder.codec.configure({ codec: 'opus', sampleRate: OPUS_SAMPLE_RATE, numberOfChannels: 2 });
    this.#decoder = decoder;
    return decoder;
  }

  /** Lets a decoder give back what it has, then closes it. */
  #retire(decoder: Decoder): void {
    this.#decoder = null;
    void decoder.codec.flush().then(
      () => {
        if (decoder.codec.state !== 'closed') decoder.codec.close();
      },
      (error: unknown) => this.#fail(decoder, error instanceof Error ? error : new Error(String(error))),
    );
  }

  #output(decoder: Decoder, data: AudioData): void {
    const pending = decoder.pending.shift();
    try {
      if (!pending) return;
      const { frame } = pending;
      const end = frame.skip + frame.frameCount;
      if (data.numberOfFrames < end || data.sampleRate !== OPUS_SAMPLE_RATE) {
        pending.reject(new Error(`Opus: a packet decoded to ${data.numberOfFrames} frames, ${end} expected`));
        return;
      }
      const planes = [0, Math.min(1, data.numberOfChannels - 1)].map((planeIndex) => {
        const plane = new Float32Array(data.numberOfFrames);
        data.copyTo(plane, { planeIndex, format: 'f32-planar' });
        return plane.slice(frame.skip, end);
      });
      pending.resolve({
        groupMs: frame.groupMs,
        sampleRate: OPUS_SAMPLE_RATE,
        left: planes[0]!,
        right: planes[1]!,
      });
    } finally {
      data.close();
    }
  }

  #fail(decoder: Decoder, error: Error): void {
    if (this.#decoder === decoder) this.#decoder = null;
    if (decoder.codec.state !== 'closed') decoder.codec.close();
    for (const p of decoder.pending.splice(0)) p.reject(error);
  }
}
