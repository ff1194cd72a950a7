/**
 * Real test audio made with ffmpeg: short tagged tones in every format the library reads, one file
 * with embedded cover art, a longer noisy MP3 for chunking tests, and corrupt files.
 *
 * Encoding takes a few seconds, so the set is made once into a folder under the OS temp dir keyed by
 * the recipe (and reused by later test files and runs); tests that change files copy them first.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where ffmpeg lives; tests fail with a clear message when it is missing. */
export const FFMPEG = process.env.FFMPEG ?? '/usr/bin/ffmpeg';

/** Tags written into a generated file. */
export interface ToneTags {
  title?: string;
  artist?: string;
  album?: string;
  track?: number;
}

/** One format the library reads: file extension and ffmpeg codec arguments. */
export interface AudioFormat {
  ext: string;
  codecArgs: string[];
  /** The codec name the library reports for it. */
  codec: string;
}

/** Every format the scanner must read. */
export const FORMATS = {
  mp3: { ext: 'mp3', codecArgs: ['-c:a', 'libmp3lame', '-b:a', '128k', '-id3v2_version', '3'], codec: 'mp3' },
  flac: { ext: 'flac', codecArgs: ['-c:a', 'flac'], codec: 'flac' },
  ogg: { ext: 'ogg', codecArgs: ['-c:a', 'libvorbis', '-q:a', '3'], codec: 'vorbis' },
  opus: { ext: 'opus', codecArgs: ['-c:a', 'libopus', '-b:a', '96k'], codec: 'opus' },
  wav: { ext: 'wav', codecArgs: ['-c:a', 'pcm_s16le'], codec: 'pcm' },
  m4a: { ext: 'm4a', codecArgs: ['-c:a', 'aac', '-b:a', '128k'], codec: 'aac' },
} as const satisfies Record<string, AudioFormat>;

export type FormatName = keyof typeof FORMATS;

/** Options for one generated file. */
export interface ToneOptions {
  format: FormatName;
  durationSec?: number;
  frequencyHz?: number;
  /** Mix in pink noise so the encoded bytes do not repeat (realistic for chunking). */
  noise?: boolean;
  tags?: ToneTags;
  /** PNG to embed as front cover (MP3, FLAC and M4A). */
  coverPng?: string;
}

const tagArgs = (tags: ToneTags | undefined): string[] => {
  const out: string[] = [];
  if (tags?.title !== undefined) out.push('-metadata', `title=${tags.title}`);
  if (tags?.artist !== undefined) out.push('-metadata', `artist=${tags.artist}`);
  if (tags?.album !== undefined) out.push('-metadata', `album=${tags.album}`);
  if (tags?.track !== undefined) out.push('-metadata', `track=${tags.track}`);
  return out;
};

/** Encodes a tone (optionally with noise, tags and cover) into `outPath` with ffmpeg. */
export const makeTone = async (outPath: string, options: ToneOptions): Promise<void> => {
  const format = FORMATS[options.format];
  const durationSec = options.durationSec ?? 2;
  const freq = options.frequencyHz ?? 440;
  const source = options.noise
    ? `sine=frequency=${freq}:duration=${durationSec}:sample_rate=44100[a];anoisesrc=color=pink:amplitude=0.3:duration=${durationSec}:sample_rate=44100:seed=${freq}[b];[a][b]amix=inputs=2[out]`
    : `sine=frequency=${freq}:duration=${durationSec}:sample_rate=44100[out]`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', source];
  if (options.coverPng) args.push('-i', options.coverPng);
  args.push('-map', '[out]');
  if (options.coverPng) {
    args.push('-map', '0:v', '-c:v', 'copy', '-disposition:v', 'attached_pic');
    args.push('-metadata:s:v', 'title=Album cover', '-metadata:s:v', 'comment=Cover (front)');
  }
  args.push('-ac', '2', ...format.codecArgs, ...tagArgs(options.tags), outPath);
  await run(FFMPEG, args);
};

/** Makes a small solid-colour PNG for cover art. */
export const makeCoverPng = async (outPath: string, color = 'orange', size = 96): Promise<void> => {
  await run(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=${color}:s=${size}x${size}`,
    '-frames:v',
    '1',
    outPath,
  ]);
};

/** The generated set, by role. All paths are absolute and must be treated as read-only. */
export interface TestAudio {
  dir: string;
  /** One tagged tone per format: title `<Fmt> Tone`, artist `Firefly Tests`, album `Formats`, track 1..6. */
  tones: Record<FormatName, string>;
  /** MP3 with tags and an embedded PNG cover. */
  withCover: string;
  /** The cover image that `withCover` embeds. */
  coverPng: string;
  /** WAV without any tags, so its title falls back to the file name (`untagged-tone`). */
  untagged: string;
  /** A 40-second noisy MP3 with an ID3v2 tag: many chunks. */
  longMp3: string;
  /** The first 200 bytes of a FLAC file. */
  truncated: string;
  /** 64 KiB of (seeded) random bytes named .mp3. */
  randomMp3: string;
  /** An empty .ogg file. */
  empty: string;
}

/** Tags of the per-format tones; tests compare the scanner's output with these. */
export const TONE_TAGS: Record<FormatName, Required<ToneTags>> = {
  mp3: { title: 'MP3 Tone', artist: 'Firefly Tests', album: 'Formats', track: 1 },
  flac: { title: 'FLAC Tone', artist: 'Firefly Tests', album: 'Formats', track: 2 },
  ogg: { title: 'OGG Tone', artist: 'Firefly Tests', album: 'Formats', track: 3 },
  opus: { title: 'OPUS Tone', artist: 'Firefly Tests', album: 'Formats', track: 4 },
  wav: { title: 'WAV Tone', artist: 'Firefly Tests', album: 'Formats', track: 5 },
  m4a: { title: 'M4A Tone', artist: 'Firefly Tests', album: 'Formats', track: 6 },
};

const RECIPE_VERSION = 4;

/** Deterministic pseudo-random bytes (xorshift32), so the "random" file is the same everywhere. */
export const seededBytes = (length: number, seed: number): Uint8Array => {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};

const layout = (dir: string): TestAudio => ({
  dir,
  tones: Object.fromEntries(
    (Object.keys(FORMATS) as FormatName[]).map((f) => [f, join(dir, `tone-${f}.${FORMATS[f].ext}`)]),
  ) as Record<FormatName, string>,
  withCover: join(dir, 'with-cover.mp3'),
  coverPng: join(dir, 'cover.png'),
  untagged: join(dir, 'untagged-tone.wav'),
  longMp3: join(dir, 'long-noise.mp3'),
  truncated: join(dir, 'truncated.flac'),
  randomMp3: join(dir, 'random-bytes.mp3'),
  empty: join(dir, 'empty.ogg'),
});

let pending: Promise<TestAudio> | undefined;

/** Returns the test audio set, generating it on first use (concurrent callers share one generation). */
export const testAudio = (): Promise<TestAudio> => (pending ??= generate());

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

const generate = async (): Promise<TestAudio> => {
  const key = createHash('sha256').update(`v${RECIPE_VERSION}`).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `firefly-test-audio-${key}`);
  const set = layout(dir);
  const marker = join(dir, 'complete.json');
  if (await exists(marker)) return set;

  // Build in a private folder and rename it into place, so parallel test workers never see half a set.
  const work = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(work, { recursive: true });
  const w = layout(work);
  await makeCoverPng(w.coverPng);
  const formats = Object.keys(FORMATS) as FormatName[];
  await Promise.all(
    formats.map((f, i) =>
      makeTone(w.tones[f], { format: f, durationSec: 2, frequencyHz: 330 + 55 * i, tags: TONE_TAGS[f] }),
    ),
  );
  await makeTone(w.withCover, {
    format: 'mp3',
    durationSec: 2,
    frequencyHz: 523,
    tags: { title: 'Covered', artist: 'Firefly Tests', album: 'Art', track: 1 },
    coverPng: w.coverPng,
  });
  await makeTone(w.untagged, { format: 'wav', durationSec: 1, frequencyHz: 600 });
  await makeTone(w.longMp3, {
    format: 'mp3',
    durationSec: 40,
    frequencyHz: 220,
    noise: true,
    tags: { title: 'Long Noise', artist: 'Firefly Tests', album: 'Chunks', track: 1 },
  });
  const flac = await readFile(w.tones.flac);
  await writeFile(w.truncated, flac.subarray(0, 200));
  await writeFile(w.randomMp3, seededBytes(64 * 1024, 0x5eed));
  await writeFile(w.empty, new Uint8Array(0));
  await writeFile(join(work, 'complete.json'), JSON.stringify({ version: RECIPE_VERSION }));
  try {
    await rename(work, dir);
  } catch {
    // Another worker finished first; its set is identical.
    await rm(work, { recursive: true, force: true });
  }
  return set;
};

/** Copies the listed files into `destDir` (created if needed) and returns the new paths in order. */
export const copyInto = async (destDir: string, files: readonly string[]): Promise<string[]> => {
  await mkdir(destDir, { recursive: true });
  return Promise.all(
    files.map(async (file) => {
      const dest = join(destDir, file.slice(file.lastIndexOf('/') + 1));
      await copyFile(file, dest);
      return dest;
    }),
  );
};
