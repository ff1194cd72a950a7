import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS, makeTone, seededBytes, testAudio, type FormatName } from '../../../test/audio/make-audio';
import { normalizeCodec, readAudioMeta } from './metadata';

describe('readAudioMeta', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firefly-meta-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (path: string) => readAudioMeta(path, (await stat(path)).size);

  it('accepts very short files in every format', async () => {
    const formats = Object.keys(FORMATS) as FormatName[];
    for (const [i, format] of formats.entries()) {
      const path = join(dir, `short-${format}.${FORMATS[format].ext}`);
      await makeTone(path, { format, durationSec: 1, frequencyHz: 300 + 40 * i });
      const meta = await read(path);
      expect(meta.ok ? meta.value.codec : meta.error, format).toBe(FORMATS[format].codec);
    }
  });

  it('rejects random bytes under audio names, whatever the parser guesses', async () => {
    const rejected: string[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const ext = seed % 2 === 0 ? 'mp3' : 'aac';
      const path = join(dir, `random-${seed}.${ext}`);
      await writeFile(path, seededBytes(16 * 1024 + seed * 1024, seed * 7919));
      const meta = await read(path);
      if (!meta.ok) rejected.push(meta.error);
    }
    expect(rejected).toHaveLength(40);
  });

  it('explains truncated and empty files', async () => {
    const audio = await testAudio();
    const truncated = await read(audio.truncated);
    expect(truncated.ok ? 'accepted' : truncated.error).toMatch(/^truncated/);
    const empty = await read(audio.empty);
    expect(empty.ok).toBe(false);
  });

  it('names codecs briefly', () => {
    expect(normalizeCodec('MPEG 1 Layer 3')).toBe('mp3');
    expect(normalizeCodec('MPEG-4/AAC')).toBe('aac');
    expect(normalizeCodec('Vorbis I')).toBe('vorbis');
    expect(normalizeCodec('PCM')).toBe('pcm');
    expect(normalizeCodec('ALAC')).toBe('alac');
  });
});
