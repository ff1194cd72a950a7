import { FLAC, MP3, MP4, OGG, WAVE } from 'mediabunny';
import { describe, expect, it } from 'vitest';
import { gaplessTrim } from './gapless-trim';

/** A reader over `bytes` in memory, as the range reader reads a file. */
const overBytes = (bytes: Uint8Array) => ({
  size: async () => bytes.length,
  read: async (start: number, end: number) => bytes.slice(start, end),
});

describe('gaplessTrim', () => {
  const noBytes = overBytes(new Uint8Array(0));

  it('cuts Ogg and MP4 to their stated length, at the file rate', async () => {
    expect(await gaplessTrim(noBytes, OGG, 48000, 10.5)).toEqual({ skip: 0, total: 504_000 });
    expect(await gaplessTrim(noBytes, MP4, 44100, 2)).toEqual({ skip: 0, total: 88_200 });
  });

  it('cuts nothing where no length is stated, or the container decodes to its exact length', async () => {
    expect(await gaplessTrim(noBytes, OGG, 48000, null)).toEqual({ skip: 0, total: null });
    expect(await gaplessTrim(noBytes, MP4, 48000, 0)).toEqual({ skip: 0, total: null });
    expect(await gaplessTrim(noBytes, FLAC, 48000, 10)).toEqual({ skip: 0, total: null });
    expect(await gaplessTrim(noBytes, WAVE, 48000, 10)).toEqual({ skip: 0, total: null });
  });

  it('cuts nothing from an MP3 without a LAME tag or a frame layout it can read', async () => {
    const bytes = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0x7f);
    expect(await gaplessTrim(overBytes(bytes), MP3, 44100, 30)).toEqual({ skip: 0, total: null });
  });
});
