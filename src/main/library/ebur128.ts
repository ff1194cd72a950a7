/**
 * A track's loudness, measured with the system's ffmpeg (its `ebur128` filter: EBU R128
 * integrated loudness and true peak), and its ReplayGain tags, read with music-metadata.
 */
import { spawn } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { parseFile } from 'music-metadata';
import type { TrackLoudness } from '../../shared/playback/loudness';

/** What ffmpeg measured: integrated loudness (LUFS; null for silence) and true peak (dBTP; null for silence). */
export interface Ebur128Reading {
  lufs: number | null;
  truePeakDb: number | null;
}

/** ffmpeg is not installed (or not where it was looked for). */
export class FfmpegMissingError extends Error {
  override readonly name = 'FfmpegMissingError';
}

/** ffmpeg could not read the file, or printed no summary. */
export class LoudnessMeasureError extends Error {
  override readonly name = 'LoudnessMeasureError';
}

const number = (text: string | undefined): number | null => {
  if (text === undefined || /^-?inf$/i.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
};

/**
 * Reads the summary ebur128 prints at the end: "Integrated loudness: I: -14.2 LUFS" and "True
 * peak: Peak: -0.3 dBFS". Null when there is no summary. −70 LUFS (the absolute gate) is silence.
 */
export function parseEbur128Summary(stderr: string): Ebur128Reading | null {
  const at = stderr.lastIndexOf('Summary:');
  if (at < 0) return null;
  const summary = stderr.slice(at);
  const i = /Integrated loudness:\s*I:\s*(-?[\d.]+|-?inf)\s*LUFS/i.exec(summary);
  if (!i) return null;
  const peak = /True peak:\s*Peak:\s*(-?[\d.]+|-?inf)\s*dBFS/i.exec(summary);
  const lufs = number(i[1]);
  return { lufs: lufs === null || lufs <= -70 ? null : lufs, truePeakDb: number(peak?.[1]) };
}

export interface MeasureOptions {
  signal?: AbortSignal;
  /** ffmpeg's path (default `ffmpeg` on the PATH, or FIREFLY_FFMPEG). */
  ffmpeg?: string;
  /** Run at the lowest CPU priority (default true: nice 19, or Windows' idle class): the pass must not slow anything else. */
  lowPriority?: boolean;
}

/** Decodes the whole file once with ffmpeg (one thread, lowest priority) and reads its loudness summary. */
export function measureLoudness(path: string, options: MeasureOptions = {}): Promise<Ebur128Reading> {
  const ffmpeg = options.ffmpeg ?? process.env.FIREFLY_FFMPEG ?? 'ffmpeg';
  const args = [
    ...['-hide_banner', '-nostats', '-nostdin', '-threads', '1', '-i', path],
    ...['-filter_complex', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'], signal: options.signal });
    if (options.lowPriority !== false && child.pid !== undefined) {
      try {
        setPriority(child.pid, constants.priority.PRIORITY_LOW);
      } catch {
        // It may already have exited; a normal priority is no reason to fail.
      }
    }
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      // Only the summary at the end matters; keep the tail.
      stderr = (stderr + text).slice(-8192);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new FfmpegMissingError(`${ffmpeg} not found`) : error),
    );
    child.on('close', (code) => {
      const reading = code === 0 ? parseEbur128Summary(stderr) : null;
      if (reading) return resolve(reading);
      const last = stderr.trim().split('\n').at(-1) ?? '';
      reject(
        new LoudnessMeasureError(`ffmpeg could not measure ${path} (exit ${code}): ${last.slice(0, 200)}`),
      );
    });
  });
}

/** ReplayGain tags of a file (all null when it has none). */
export type ReplayGainTags = Pick<
  TrackLoudness,
  'rgTrackGainDb' | 'rgTrackPeak' | 'rgAlbumGainDb' | 'rgAlbumPeak'
>;

const NO_TAGS: ReplayGainTags = {
  rgTrackGainDb: null,
  rgTrackPeak: null,
  rgAlbumGainDb: null,
  rgAlbumPeak: null,
};
const finite = (n: number | undefined): number | null => (n !== undefined && Number.isFinite(n) ? n : null);

/** Reads ReplayGain track and album gain and peak, if the file has them; none when it cannot be parsed. */
export async function readReplayGain(path: string): Promise<ReplayGainTags> {
  try {
    const { common } = await parseFile(path, { skipCovers: true, duration: false });
    return {
      rgTrackGainDb: finite(common.replaygain_track_gain?.dB),
      rgTrackPeak: finite(common.replaygain_track_peak?.ratio),
      rgAlbumGainDb: finite(common.replaygain_album_gain?.dB),
      rgAlbumPeak: finite(common.replaygain_album_peak?.ratio),
    };
  } catch {
    return NO_TAGS;
  }
}
