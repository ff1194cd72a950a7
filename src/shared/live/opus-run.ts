/**
 * Where an Opus packet of a **run** lands in group time (#22). A run is PCM whose stamps follow each
 * other, encoded by one encoder from a fresh state: decoded frame k of the run is input frame
 * k − lookahead (the encoder's look-ahead: 120 frames, 2.5 ms, in Opus's restricted low-delay mode,
 * both in the source peer's libopus and in Chromium's WebCodecs encoder). So packet n, which decodes
 * to frames [960n, 960n + 960), holds input frames [960n − lookahead, 960n + 960 − lookahead): the
 * run's first packet skips the look-ahead, and the packets that end a run (the encoder padded the
 * input with silence to get its last frames out) keep only frames the run had.
 */
import { OPUS_SAMPLE_RATE } from './frames';

/** Frames in one Opus packet of 20 ms at 48 kHz. */
export const OPUS_PACKET_FRAMES = 960;
/** The encoder's look-ahead in restricted low-delay mode (2.5 ms at 48 kHz), measured. */
export const OPUS_LOOKAHEAD_FRAMES = 120;

/** What an OPUS frame says about its packet: the group time of its first kept frame, what it skips and keeps. */
export interface OpusPlacement {
  groupMs: number;
  skip: number;
  frameCount: number;
}

/**
 * Packet `index` of a run that started at `runStartGroupMs` with `totalFrames` input frames so far
 * (Infinity while the run goes on); null when the packet keeps no frame (all look-ahead or padding).
 */
export function placeOpusPacket(
  runStartGroupMs: number,
  index: number,
  totalFrames: number,
  lookahead = OPUS_LOOKAHEAD_FRAMES,
): OpusPlacement | null {
  const inputStart = index * OPUS_PACKET_FRAMES - lookahead;
  const keptStart = Math.max(0, inputStart);
  const keptEnd = Math.min(inputStart + OPUS_PACKET_FRAMES, totalFrames);
  if (keptEnd <= keptStart) return null;
  return {
    groupMs: runStartGroupMs + (keptStart * 1000) / OPUS_SAMPLE_RATE,
    skip: keptStart - inputStart,
    frameCount: keptEnd - keptStart,
  };
}
