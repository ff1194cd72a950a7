/**
 * The Ogg tail reader against music-metadata's whole-file parse, on real Vorbis and Opus files made by
 * ffmpeg (one short, one long and noisy, so its last page is far from its first), and on files it must
 * refuse or read around: not Ogg, cut short inside the last page, a last page with no granule position.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTone, testAudio } from '../../../test/audio/make-audio';
import { oggTailDurationSec } from './ogg-tail';

const reader = (bytes: Uint8Array) => (start: number, length: number) =>
  Promise.resolve(bytes.subarray(start, Math.min(bytes.length, start + length)));

let dir = '';
const files: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ff-ogg-tail-'));
  const audio = await testAudio();
  files['short vorbis'] = audio.tones.ogg;
  files['short opus'] = audio.tones.opus;
  files['long vorbis'] = join(dir, 'long.ogg');
  files['long opus'] = join(dir, 'long.opus');
  await makeTone(files['long vorbis'], { format: 'ogg', durationSec: 47.3, noise: true });
  await makeTone(files['long opus'], { format: 'opus', durationSec: 47.3, noise: true });
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('oggTailDurationSec', () => {
  for (const name of ['short vorbis', 'short opus', 'long vorbis', 'long opus']) {
    it(`reads the ${name} file's duration from its tail as the whole-file parse does`, async () => {
      const path = files[name]!;
      const bytes = new Uint8Array(await readFile(path));
      const whole = await parseFile(path, { duration: true });
      const codec = name.endsWith('opus') ? 'opus' : 'vorbis';
      const sec = await oggTailDurationSec(reader(bytes), bytes.length, codec, whole.format.sampleRate!);
      expect(sec).not.toBeNull();
      expect(Math.abs(sec! - whole.format.duration!)).toBeLessThan(1e-6);
      if (name.startsWith('long')) expect(sec!).toBeCloseTo(47.3, 1);
    });
  }

  it('refuses bytes that are not Ogg', async () => {
    const bytes = new Uint8Array(70_000).fill(7);
    expect(await oggTailDurationSec(reader(bytes), bytes.length, 'vorbis', 44_100)).toBeNull();
  });

  it('reads around a last page cut short, and one without a granule position', async () => {
    const bytes = new Uint8Array(await readFile(files['long vorbis']!));
    const full = (await oggTailDurationSec(reader(bytes), bytes.length, 'vorbis', 44_100))!;
    // Cut 100 bytes off: the last page is incomplete, the one before it ends earlier.
    const cut = bytes.subarray(0, bytes.length - 100);
    const shorter = await oggTailDurationSec(reader(cut), cut.length, 'vorbis', 44_100);
    expect(shorter).not.toBeNull();
    expect(shorter!).toBeLessThan(full);
    expect(shorter!).toBeGreaterThan(full - 5);
    // The last page's granule position set to -1 ("no packet ends here"): the page before it counts.
    const last = Buffer.from(bytes).lastIndexOf(Buffer.from('OggS'));
    const patched = new Uint8Array(bytes);
    patched.fill(0xff, last + 6, last + 14);
    const before = await oggTailDurationSec(reader(patched), patched.length, 'vorbis', 44_100);
    expect(before).not.toBeNull();
    expect(before!).toBeLessThan(full);
  });
});
