/**
 * Gapless: what the encoder added before and after the music is cut off, so track frame 0 is the
 * music's first sample and the last frame its last. mediabunny gives priming samples negative
 * timestamps for AAC edit lists and Opus pre-skip (cut like any sample before the start), and
 * states Ogg's and MP4's exact lengths (the end is cut there); MP3's LAME delay and padding it does
 * not read, so they come from the LAME tag (`shared/audio/mp3-gapless.ts`). FLAC and WAV decode to
 * their exact lengths. This file reads a track's trim; `track-stream.ts` cuts by it.
 */
import { MP3, MP4, OGG, QTFF } from 'mediabunny';
import { id3v2Size, readMp3Gapless } from '../../../shared/audio/mp3-gapless';
import { readMp3CbrLayout, type Mp3CbrLayout } from '../../../shared/audio/mp3-seek';
import type { RangeReader } from './range-reader';

/** Encoder samples to cut, at the file's rate: `skip` before frame 0, and all after `total` frames of music. */
export interface GaplessTrim {
  skip: number;
  total: number | null;
  /** A constant-bitrate MP3's frame layout, which lets a decode start far in without a walk from the top. */
  mp3Cbr?: Mp3CbrLayout;
}

/** Bytes after the ID3v2 tag read for an MP3's frame layout. */
const MP3_LAYOUT_BYTES = 16 * 1024;

/** Containers whose stated length is the music's exact length (mediabunny reads it from granules or edit lists). */
const EXACT_LENGTH_FORMATS = [OGG, MP4, QTFF];

/** The trim of a track: from the LAME tag for MP3, the stated length for Ogg and MP4, none otherwise. */
export async function gaplessTrim(
  reader: Pick<RangeReader, 'size' | 'read'>,
  format: unknown,
  sampleRate: number,
  durationSec: number | null,
): Promise<GaplessTrim> {
  if (format === MP3) {
    const size = await reader.size();
    const skip = id3v2Size(await reader.read(0, Math.min(size, 10)));
    const info = readMp3Gapless(await reader.read(skip, Math.min(size, skip + 8192)));
    const head = await reader.read(0, Math.min(size, skip + MP3_LAYOUT_BYTES));
    const layout = readMp3CbrLayout(head, skip);
    return {
      ...(info && info.sampleRate === sampleRate
        ? { skip: info.skipSamples, total: info.totalSamples }
        : { skip: 0, total: null }),
      ...(layout && layout.sampleRate === sampleRate ? { mp3Cbr: layout } : {}),
    };
  }
  if (EXACT_LENGTH_FORMATS.includes(format as never) && durationSec !== null && durationSec > 0)
    return { skip: 0, total: Math.round(durationSec * sampleRate) };
  return { skip: 0, total: null };
}
