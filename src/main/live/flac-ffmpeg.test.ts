/**
 * Firefly's FLAC frames against a real FLAC implementation (ffmpeg's): what the live encoder writes
 * decodes bit for bit in ffmpeg, and what ffmpeg's encoder writes (LPC subframes and all) decodes bit
 * for bit in Firefly's decoder.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeFlacFrame } from '../../shared/live/flac-decode';
import { encodeFlacFrame, flacStreamHeader } from '../../shared/live/flac-encode';
import { musicLike } from '../../shared/live/testing/music';

const ffmpeg = process.env.FIREFLY_FFMPEG ?? 'ffmpeg';

function run(args: string[], input: Uint8Array): Buffer {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', ...args], {
    input,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A tone with some noise (8 bits of it), both channels different. */
const music = (frames: number) => musicLike(frames, 300);

const bytesOf = (pcm: Int16Array) => new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);

/** Splits a FLAC file's frames: each one ends where the bytes up to the next sync code decode (CRC-checked). */
function framesOf(file: Uint8Array): Uint8Array[] {
  let at = 4;
  for (let last = false; !last;) {
    last = (file[at]! & 0x80) !== 0;
    at += 4 + ((file[at + 1]! << 16) | (file[at + 2]! << 8) | file[at + 3]!);
  }
  const frames: Uint8Array[] = [];
  while (at < file.length) {
    let end = at + 2;
    for (; end <= file.length; end++) {
      if (end < file.length && !(file[end] === 0xff && (file[end + 1]! & 0xfe) === 0xf8)) continue;
      if (decodeFlacFrame(file.subarray(at, end)).ok) break;
    }
    frames.push(file.subarray(at, end));
    at = end;
  }
  return frames;
}

describe('FLAC frames and ffmpeg', () => {
  it("decodes in ffmpeg to exactly the PCM encoded, whatever the packets' sizes", () => {
    const pcm = music(44_100);
    const parts: Uint8Array[] = [flacStreamHeader(44_100, 9600)];
    let at = 0;
    for (const size of [882, 882, 7, 9600, 1, 4410]) {
      parts.push(encodeFlacFrame(pcm.subarray(at * 2, (at + size) * 2), 44_100, at));
      at += size;
    }
    while (at < 44_100) {
      const size = Math.min(882, 44_100 - at);
      parts.push(encodeFlacFrame(pcm.subarray(at * 2, (at + size) * 2), 44_100, at));
      at += size;
    }
    const file = Buffer.concat(parts);
    const decoded = run(['-f', 'flac', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], file);
    expect(decoded.length).toBe(pcm.byteLength);
    expect(Buffer.compare(decoded, Buffer.from(bytesOf(pcm)))).toBe(0);
    // Without LPC, within a few per cent of ffmpeg's default FLAC of the same sound.
    const reference = run(
      ['-f', 's16le', '-ar', '44100', '-ac', '2', '-i', 'pipe:0', '-f', 'flac', 'pipe:1'],
      bytesOf(pcm),
    );
    console.log(`FLAC: ${file.length} B, ffmpeg ${reference.length} B, PCM ${pcm.byteLength} B`);
    expect(file.length).toBeLessThan(reference.length * 1.1);
  });

  it("decodes ffmpeg's own FLAC (LPC, its frame sizes) to exactly its PCM", () => {
    const pcm = music(48_000);
    const file = run(
      [
        '-f',
        's16le',
        '-ar',
        '48000',
        '-ac',
        '2',
        '-i',
        'pipe:0',
        '-compression_level',
        '8',
        '-f',
        'flac',
        'pipe:1',
      ],
      bytesOf(pcm),
    );
    const frames = framesOf(new Uint8Array(file));
    expect(frames.length).toBeGreaterThan(5);
    const out = new Int16Array(pcm.length);
    let at = 0;
    for (const frame of frames) {
      const decoded = decodeFlacFrame(frame);
      if (!decoded.ok) throw new Error(decoded.error);
      out.set(decoded.value.pcm, at);
      at += decoded.value.pcm.length;
    }
    expect(at).toBe(pcm.length);
    expect(Buffer.compare(Buffer.from(bytesOf(out)), Buffer.from(bytesOf(pcm)))).toBe(0);
  });
});
