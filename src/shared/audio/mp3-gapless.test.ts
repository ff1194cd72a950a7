import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG } from '../../../test/audio/make-audio';
import { MP3_DECODER_DELAY, id3v2Size, readMp3Gapless } from './mp3-gapless';

const run = promisify(execFile);
let dir: string;

/** An MP3 of exactly `samples` samples of a tone, encoded by LAME through ffmpeg (which writes the LAME tag). */
async function lameMp3(name: string, rate: number, samples: number, args: string[]): Promise<Uint8Array> {
  const path = join(dir, name);
  await run(FFMPEG, [
    ...[
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=${rate},atrim=end_sample=${samples}`,
    ],
    ...args,
    ...['-c:a', 'libmp3lame', path],
  ]);
  return new Uint8Array(await readFile(path));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firefly-mp3-gapless-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readMp3Gapless', () => {
  for (const { name, rate, samples, args } of [
    { name: 'cbr-stereo-48k.mp3', rate: 48_000, samples: 100_000, args: ['-ac', '2', '-b:a', '192k'] },
    { name: 'vbr-mono-44k.mp3', rate: 44_100, samples: 77_777, args: ['-ac', '1', '-q:a', '4'] },
    { name: 'mpeg2-22k.mp3', rate: 22_050, samples: 30_001, args: ['-ac', '2', '-b:a', '64k'] },
  ]) {
    it(`gives the exact length and the start to skip of ${name}`, async () => {
      const bytes = await lameMp3(name, rate, samples, args);
      const info = readMp3Gapless(bytes.subarray(id3v2Size(bytes)));
      expect(info).not.toBeNull();
      expect(info!.sampleRate).toBe(rate);
      expect(info!.totalSamples).toBe(samples);
      // LAME's delay is at least 576 samples (one granule) plus the decoder's own.
      expect(info!.skipSamples).toBeGreaterThanOrEqual(576 + MP3_DECODER_DELAY);
    });
  }

  it('finds nothing in a file without a LAME tag, in a truncated tag or in random bytes', async () => {
    const bytes = await lameMp3('notag.mp3', 48_000, 10_000, ['-write_xing', '0']);
    expect(readMp3Gapless(bytes.subarray(id3v2Size(bytes)))).toBeNull();
    const tagged = await lameMp3('tagged.mp3', 48_000, 10_000, []);
    const start = id3v2Size(tagged);
    expect(readMp3Gapless(tagged.subarray(start, start + 60))).toBeNull();
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    expect(readMp3Gapless(noise)).toBeNull();
    expect(readMp3Gapless(new Uint8Array(0))).toBeNull();
  });

  it('measures an ID3v2 tag, and nothing where there is none', () => {
    const tag = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0x01, 0x7f]);
    expect(id3v2Size(tag)).toBe(10 + 255);
    expect(id3v2Size(new Uint8Array([0xff, 0xfb, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(0);
  });
});
