/**
 * MP3 gapless info: an MP3 encoder puts silence before the music (its delay) and after it (padding
 * to a whole frame), and a decoder adds 529 samples of its own delay; LAME writes the first two into
 * its tag in the Xing/Info frame. Without trimming them every track boundary has a gap of 25–50 ms.
 * This reads the tag from a file's first bytes; the decoder trims by it and the scanner takes the
 * track's exact length from it. (mediabunny skips the Info frame but does not trim: it reads only
 * the frame count.) The layout and the 529 are those of LAME's VbrTag.c and FFmpeg's mp3dec.c.
 */

/** Samples of delay an MPEG audio layer III decoder adds (528 + 1). */
export const MP3_DECODER_DELAY = 529;

/** What the LAME tag says, in samples at the file's rate. */
export interface Mp3Gapless {
  sampleRate: number;
  /** Samples to drop from the start of the decoded stream (encoder delay + decoder delay). */
  skipSamples: number;
  /** Samples of music: what is left after both trims. */
  totalSamples: number;
}

const SAMPLE_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000], // MPEG 1
  2: [22050, 24000, 16000], // MPEG 2
  0: [11025, 12000, 8000], // MPEG 2.5
};

/** The size of an ID3v2 tag at the start of `bytes` (0 if none); syncsafe, plus a footer when flagged. */
export function id3v2Size(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0;
  const size =
    ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  const footer = bytes[5]! & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

/**
 * Reads the LAME gapless info of the first MPEG audio frame in `bytes` (the file from just after its
 * ID3v2 tag), or null: not layer III, no Xing/Info frame, no frame count, or no LAME tag.
 */
export function readMp3Gapless(bytes: Uint8Array): Mp3Gapless | null {
  // The first frame sync: 11 set bits, layer III (layer bits 01).
  let at = 0;
  const limit = Math.min(bytes.length - 4, 64 * 1024);
  while (
    at < limit &&
    !(bytes[at] === 0xff && (bytes[at + 1]! & 0xe0) === 0xe0 && (bytes[at + 1]! & 0x06) === 0x02)
  )
    at++;
  if (at >= limit) return null;
  const version = (bytes[at + 1]! >> 3) & 0x03;
  const rates = SAMPLE_RATES[version];
  const rateIndex = (bytes[at + 2]! >> 2) & 0x03;
  const sampleRate = rates?.[rateIndex];
  if (!sampleRate) return null;
  const mono = ((bytes[at + 3]! >> 6) & 0x03) === 3;
  const mpeg1 = version === 3;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  // Header (4) + side information.
  const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
  let p = at + 4 + sideInfo;
  const tag = String.fromCharCode(...bytes.subarray(p, p + 4));
  if (tag !== 'Xing' && tag !== 'Info') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (p + 8 > bytes.length) return null;
  const flags = view.getUint32(p + 4);
  p += 8;
  if (!(flags & 1)) return null;
  const frames = view.getUint32(p);
  p += 4;
  if (flags & 2) p += 4; // bytes
  if (flags & 4) p += 100; // seek table
  if (flags & 8) p += 4; // quality
  // The LAME extension: encoder (9), revision (1), lowpass (1), replay gain (8), flags (1), bitrate (1), then delay/padding (3).
  if (p + 24 > bytes.length) return null;
  const encoder = String.fromCharCode(...bytes.subarray(p, p + 4));
  if (encoder !== 'LAME' && encoder !== 'Lavc' && encoder !== 'Lavf') return null;
  const d = p + 21;
  const delay = (bytes[d]! << 4) | (bytes[d + 1]! >> 4);
  const padding = ((bytes[d + 1]! & 0x0f) << 8) | bytes[d + 2]!;
  const skipSamples = delay + MP3_DECODER_DELAY;
  const totalSamples = frames * samplesPerFrame - delay - padding;
  if (totalSamples <= 0) return null;
  return { sampleRate, skipSamples, totalSamples };
}
