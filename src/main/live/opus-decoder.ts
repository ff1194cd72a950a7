/**
 * Decodes a live source's OPUS frames back to stamped PCM in the peer (Node has no WebCodecs): for a
 * window that cannot decode Opus itself (`GET /media/live/<id>?codec=pcm`) and for tests. Frames
 * follow each other in one decoder, as they were encoded, which starts afresh with each run (a frame
 * that skips frames: the encoder started afresh there too, and a decoder that remembers the last run
 * would get its band energies wrong for several packets); a packet that does not decode, or decodes
 * to fewer frames than its header keeps, is an error result (the frame is dropped and counted).
 */
import OpusScript from 'opusscript';
import { OPUS_SAMPLE_RATE, type LiveFrame } from '../../shared/live/frames';
import { err, ok, type Result } from '../../shared/result';
import type { StampedPcm } from './stamper';

type OpusFrame = Extract<LiveFrame, { type: 'opus' }>;
const OPUS_RESET_STATE = 4028;

/** One stream's Opus decoder. */
export class LiveOpusDecoder {
  readonly #opus = new OpusScript(OPUS_SAMPLE_RATE, 2);

  /** The frames an OPUS frame keeps, stamped. */
  decode(frame: OpusFrame): Result<StampedPcm> {
    let bytes: Buffer;
    try {
      if (frame.skip > 0) this.#opus.decoderCTL(OPUS_RESET_STATE, 0);
      bytes = this.#opus.decode(Buffer.from(frame.packet));
    } catch (error) {
      return err(`OPUS: ${(error as Error).message}`);
    }
    const decodedFrames = bytes.length >> 2;
    if (decodedFrames < frame.skip + frame.frameCount)
      return err(
        `OPUS: the packet decodes to ${decodedFrames} frames, fewer than ${frame.skip + frame.frameCount}`,
      );
    const all = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + decodedFrames * 4));
    const pcm = all.slice(frame.skip * 2, (frame.skip + frame.frameCount) * 2);
    return ok({ groupMs: frame.groupMs, sampleRate: OPUS_SAMPLE_RATE, pcm });
  }

  /** Frees the decoder. */
  close(): void {
    this.#opus.delete();
  }
}
