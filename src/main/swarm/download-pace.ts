/**
 * The pace of a download that a player reads while it arrives. Fetching a whole track at once, as fast
 * as the link goes, is a burst of hashing, writing and network work on the peer's machine just when its
 * speakers start to play (a 3-hour MP3 is 172 MB: seconds of both cores on a small PC), and that burst
 * is what shakes a browser's audio output at normal priority. A player needs the track's bytes only a
 * little faster than it plays them. So a paced download may take a burst (the first seconds of audio,
 * what a start needs) at once, and after that a few times the track's own byte rate; the ranges a
 * reader waits for (a seek, a late join) are fetched at once whatever the pace (`ChunkFetcher.want`).
 */

/** How fast a paced download may go. */
export interface PaceRate {
  /** Bytes a second after the burst. */
  bytesPerSec: number;
  /** Bytes that may be fetched at once. */
  burstBytes: number;
}

/** How a track's pace is derived from its byte rate. */
export interface PaceOptions {
  /** Times the track's byte rate (default 4). */
  factor?: number;
  /** Never slower than this (bytes a second; default 256 KiB). */
  minBytesPerSec?: number;
  /** Seconds of audio fetched at once (default 15). */
  burstSec?: number;
  /** Never a smaller burst than this (bytes; default 1 MiB). */
  minBurstBytes?: number;
}

/** The pace for a track of `sizeBytes` lasting `durationSec`, or null when its length is unknown (no pace). */
export function paceForTrack(
  sizeBytes: number,
  durationSec: number | null | undefined,
  options: PaceOptions = {},
): PaceRate | null {
  if (!durationSec || !(durationSec > 0) || !(sizeBytes > 0)) return null;
  const byteRate = sizeBytes / durationSec;
  return {
    bytesPerSec: Math.max(options.minBytesPerSec ?? 256 * 1024, byteRate * (options.factor ?? 4)),
    burstBytes: Math.max(options.minBurstBytes ?? 1024 * 1024, byteRate * (options.burstSec ?? 15)),
  };
}

/** A paced download's budget over time: `burstBytes` at once, then `bytesPerSec`. */
export class DownloadPace {
  constructor(
    readonly rate: PaceRate,
    private readonly startedAtMs: number,
  ) {}

  /** Bytes the download may have fetched (or have in flight) by `nowMs`. */
  allowance(nowMs: number): number {
    return this.rate.burstBytes + (this.rate.bytesPerSec * Math.max(0, nowMs - this.startedAtMs)) / 1000;
  }

  /** Milliseconds from `nowMs` until `bytes` more than `usedBytes` fit the budget (0 if they do now). */
  waitMs(usedBytes: number, bytes: number, nowMs: number): number {
    const short = usedBytes + bytes - this.allowance(nowMs);
    return short <= 0 ? 0 : Math.ceil((short * 1000) / this.rate.bytesPerSec);
  }
}

/** The pace of a download many callers wait for: none if any of them wants it unpaced, else the fastest. */
export function combinedPace(rates: readonly (PaceRate | null)[]): PaceRate | null {
  if (rates.length === 0 || rates.some((r) => r === null)) return null;
  return (rates as PaceRate[]).reduce((a, b) => (b.bytesPerSec > a.bytesPerSec ? b : a));
}
