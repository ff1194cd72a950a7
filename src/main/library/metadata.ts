/**
 * Reading tags, duration and cover art with music-metadata, and deciding whether a file is audio at
 * all. The parser is lenient (it finds "frames" in random bytes and trusts a truncated header), so a
 * few sanity checks on its answer decide what the library accepts.
 */
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseBuffer, parseFile, selectCover, type IAudioMetadata, type IOptions } from 'music-metadata';
import { id3v2Size, readMp3Gapless } from '../../shared/audio/mp3-gapless';
import { err, ok, type Result } from '../../shared/result';
import { tidyText } from '../../shared/text/shown-text';
import { oggTailDurationSec, type ReadBytes } from './ogg-tail';

/** File extensions the scanner looks at (lowercase, with dot). */
export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set([
  '.mp3',
  '.flac',
  '.ogg',
  '.oga',
  '.opus',
  '.wav',
  '.m4a',
  '.aac',
]);

/** What the library keeps from a file's metadata. */
export interface AudioMeta {
  title: string;
  artist: string;
  album: string;
  trackNo: number | null;
  durationSec: number;
  codec: string;
  container: string;
  cover: { mime: string; bytes: Uint8Array } | null;
}

/** Room for tags and padding in a lossless file, as an average rate (a 10 MB tag block over 30 s). */
const MAX_OVERHEAD_BITS_PER_SEC = 3_000_000;
/** Below this average data rate the file holds less audio than its header claims. */
const MIN_BITS_PER_SEC = 4_000;
const LOSSY: ReadonlySet<string> = new Set(['mp3', 'mp2', 'mp1', 'aac', 'vorbis', 'opus']);

/** Short codec name for a music-metadata codec string. */
export const normalizeCodec = (codec: string): string => {
  const c = codec.toLowerCase();
  const layer = /layer (\d)/.exec(c);
  if (c.includes('mpeg') && layer && !c.includes('aac')) return `mp${layer[1]}`;
  if (c.includes('flac')) return 'flac';
  if (c.startsWith('vorbis')) return 'vorbis';
  if (c.includes('opus')) return 'opus';
  if (c.includes('pcm') || c.includes('ieee_float') || c.includes('float')) return 'pcm';
  if (c.includes('alac')) return 'alac';
  if (c.includes('aac')) return 'aac';
  return c.trim() || 'unknown';
};

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Ogg files reveal their duration only in the last page, which the parser reads on request. */
const OGG_EXTENSIONS = new Set(['.ogg', '.oga', '.opus']);
/** No lossy codec gets near this average rate; random bytes "parsed" as frames often do. */
const MAX_LOSSY_BITS_PER_SEC = 2_000_000;

/**
 * A duration found only by scanning for frames is also what random bytes produce, where the
 * "frames" disagree with each other. Demand a plausible length, the same codec and sample rate as
 * the first frame, and bitrates within the spread real VBR has (32–320 kbps).
 */
const framesAgree = (
  first: IAudioMetadata['format'],
  scanned: IAudioMetadata['format'],
  bitsPerSec: number,
) => {
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 && b > 0 ? Math.max(a / b, b / a) : 1;
  return (
    (scanned.duration ?? 0) >= 1 &&
    first.codec === scanned.codec &&
    first.sampleRate === scanned.sampleRate &&
    ratio(first.bitrate, scanned.bitrate) <= 10 &&
    (scanned.bitrate === undefined || bitsPerSec <= 3 * scanned.bitrate + 64_000)
  );
};

/**
 * An MP3's length without the encoder's delay and padding, from its LAME tag (null without one):
 * music-metadata counts whole frames, 25–50 ms more than the music, and gapless playback places the
 * next track at this track's end.
 */
async function exactMp3DurationSec(read: ReadBytes): Promise<number | null> {
  const skip = id3v2Size(await read(0, 10));
  const info = readMp3Gapless(await read(skip, 8192));
  return info ? info.totalSamples / info.sampleRate : null;
}

const judgeAudio = async (
  path: string,
  sizeBytes: number,
  parse: (options: IOptions) => Promise<IAudioMetadata>,
  read: ReadBytes,
): Promise<Result<AudioMeta>> => {
  let meta: IAudioMetadata;
  let firstPass: IAudioMetadata['format'] | null = null;
  try {
    const ogg = OGG_EXTENSIONS.has(extname(path).toLowerCase());
    meta = await parse({ duration: false });
    if (ogg) {
      // Ogg's length is in its last page: read from the tail (ogg-tail.ts), or by parsing every page.
      const codec = normalizeCodec(meta.format.codec ?? '');
      const rate = meta.format.sampleRate ?? 0;
      const tailSec =
        codec === 'vorbis' || codec === 'opus'
          ? await oggTailDurationSec(read, sizeBytes, codec, rate).catch(() => null)
          : null;
      meta =
        tailSec === null
          ? await parse({ duration: true })
          : { ...meta, format: { ...meta.format, duration: tailSec } };
    } else if (!(meta.format.duration !== undefined && meta.format.duration > 0) && meta.format.sampleRate) {
      // Some files (VBR MP3 without a Xing header) only reveal their duration to a full frame scan.
      firstPass = meta.format;
      meta = await parse({ duration: true });
    }
  } catch (error) {
    return err(`unreadable: ${message(error)}`);
  }
  const { format, common } = meta;
  if (!format.codec || !format.sampleRate) return err('no audio stream found');
  let durationSec = format.duration ?? 0;
  if (!(durationSec > 0) || !Number.isFinite(durationSec)) {
    return err('no playable audio: the duration cannot be determined (damaged or not audio)');
  }
  const codec = normalizeCodec(format.codec);
  if (codec === 'mp3') durationSec = (await exactMp3DurationSec(read).catch(() => null)) ?? durationSec;
  const pictureBytes = (common.picture ?? []).reduce((sum, p) => sum + p.data.length, 0);
  const bitsPerSec = (Math.max(0, sizeBytes - pictureBytes) * 8) / durationSec;
  if (bitsPerSec < MIN_BITS_PER_SEC) {
    return err(`truncated: ${sizeBytes} bytes cannot hold ${durationSec.toFixed(1)} s of ${codec}`);
  }
  const lossy = LOSSY.has(codec);
  // Lossless audio cannot take much more room than its raw samples: a file far bigger than that
  // is padding (a sparse or damaged file), not music, and would be announced to the room as
  // gigabytes of a short track. Unknown fields count at their largest.
  const rawBitsPerSec =
    format.sampleRate * (format.numberOfChannels ?? 8) * Math.max(format.bitsPerSample ?? 32, 8);
  if (!lossy && bitsPerSec > 2 * rawBitsPerSec + MAX_OVERHEAD_BITS_PER_SEC) {
    return err(
      `inconsistent: ${sizeBytes} bytes is far more than ${durationSec.toFixed(1)} s of ${codec} can fill (a sparse or damaged file)`,
    );
  }
  if (
    (lossy && bitsPerSec > MAX_LOSSY_BITS_PER_SEC) ||
    (firstPass && !framesAgree(firstPass, format, bitsPerSec))
  ) {
    return err(`damaged or not audio: data does not match its ${codec} headers`);
  }

  const cover = selectCover(common.picture);
  const trackNo = common.track.no;
  return ok({
    // Tags are shown to every device in the room: tidied of control and direction characters (#24).
    title: tidyText(common.title ?? '') || tidyText(basename(path, extname(path))),
    artist: tidyText(common.artist ?? common.albumartist ?? ''),
    album: tidyText(common.album ?? ''),
    trackNo: trackNo !== null && Number.isInteger(trackNo) && trackNo >= 0 ? trackNo : null,
    durationSec,
    codec,
    container: format.container ?? 'unknown',
    // A copy: the parser may hand out a view into the bytes it was given, which callers reuse.
    cover:
      cover && cover.data.length > 0
        ? { mime: cover.format || 'image/jpeg', bytes: new Uint8Array(cover.data) }
        : null,
  });
};

/** Reads a file's metadata; an error result explains why the file is not accepted as audio. */
export const readAudioMeta = (path: string, sizeBytes: number): Promise<Result<AudioMeta>> =>
  judgeAudio(
    path,
    sizeBytes,
    (options) => parseFile(path, options),
    async (start, length) => {
      const file = await open(path, 'r');
      try {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await file.read(buffer, 0, length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
  );

/**
 * The same as `readAudioMeta` for a file whose bytes are already in memory (no second read of the
 * file). Cover bytes are copied, so `bytes` may be reused once this resolves.
 */
export const audioMetaFromBytes = (path: string, bytes: Uint8Array): Promise<Result<AudioMeta>> =>
  judgeAudio(
    path,
    bytes.length,
    (options) => parseBuffer(bytes, { path, size: bytes.length }, options),
    (start, length) => Promise.resolve(bytes.subarray(start, start + length)),
  );
