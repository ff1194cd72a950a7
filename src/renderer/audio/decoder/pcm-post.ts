/**
 * Sending decoded PCM to the player. The chunk's buffer is transferred, not copied: after
 * `postMessage` its `data` is detached and reads as empty, so anything computed from its length must
 * be computed before. (Read after, the frame after each chunk was that chunk's first frame: every
 * track's `end` then came one chunk short, a FLAC file's last block or up to 4 MP3 frames, and a
 * gapless next track started that much early.)
 */
import type { DecoderToPlayer, PcmChunk } from '../player/protocol';

/** Where PCM goes: the player's end of the decoder's MessageChannel. */
export interface PlayerPort {
  postMessage(message: DecoderToPlayer, transfer: Transferable[]): void;
}

/** Frames in interleaved stereo `data`. */
export const stereoFrames = (data: Float32Array): number => data.length >> 1;

/** Posts `chunk` to `port`, transferring its buffer; returns the track frame after its last one. */
export function postPcm(port: PlayerPort | null, chunk: PcmChunk): number {
  const endFrame = chunk.startFrame + stereoFrames(chunk.data);
  port?.postMessage(chunk, [chunk.data.buffer]);
  return endFrame;
}
