/**
 * An Ogg Vorbis or Opus file's duration from its last page, read from the file's tail.
 *
 * Ogg says how long a stream is only in the granule position of its last pages, and music-metadata finds
 * it by parsing every page of the file (issues Borewit/music-metadata#2533, #2584: without `duration` it
 * reads part of the file and may report the length of that part). That made Ogg files the scan's slowest:
 * 10–13 ms of CPU each against 1–4 ms for the other formats (the 500-file bench library). A page is at
 * most 65,307 bytes, so the last whole page lies in the last 64 KiB: read them, find the last page of the
 * file's first logical stream whose granule position is set (−1 means "no packet ends here"), and divide.
 * Opus counts granules at 48 kHz from the start of its pre-skip (RFC 7845 §4); Vorbis at its own rate.
 * Anything unexpected gives null, and the caller lets music-metadata parse the whole file as before.
 */

/** Reads `length` bytes of the file from `start` (fewer at its end). */
export type ReadBytes = (start: number, length: number) => Promise<Uint8Array>;

/** The largest Ogg page: 27 header bytes, 255 lacing values, 255 × 255 bytes of body. */
const MAX_PAGE_BYTES = 65_307;
const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"

const isCapture = (bytes: Uint8Array, at: number): boolean =>
  at + 27 <= bytes.length &&
  CAPTURE.every((b, i) => bytes[at + i] === b) &&
  // Stream structure version 0.
  bytes[at + 4] === 0;

/** Duration (s) of an Ogg Vorbis or Opus file of `sizeBytes`, or null when its pages do not say. */
export async function oggTailDurationSec(
  read: ReadBytes,
  sizeBytes: number,
  codec: 'vorbis' | 'opus',
  sampleRate: number,
): Promise<number | null> {
  const head = await read(0, 512);
  if (!isCapture(head, 0)) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const serial = view.getUint32(14, true);
  let rate = sampleRate;
  let preSkip = 0;
  if (codec === 'opus') {
    // The first page carries only the identification header: "OpusHead", version, channels, pre-skip.
    const at = indexOf(head, 'OpusHead');
    if (at < 0 || at + 12 > head.length) return null;
    preSkip = view.getUint16(at + 10, true);
    rate = 48_000;
  }
  if (!(rate > 0)) return null;

  const start = Math.max(0, sizeBytes - (MAX_PAGE_BYTES + 27));
  const tail = await read(start, sizeBytes - start);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let at = tail.length - 27; at >= 0; at--) {
    if (!isCapture(tail, at)) continue;
    if (tailView.getUint32(at + 14, true) !== serial) continue;
    // The whole page must be here: a file cut short ends in a page whose granule claims what is missing.
    const segments = tail[at + 26]!;
    if (at + 27 + segments > tail.length) continue;
    let body = 0;
    for (let i = 0; i < segments; i++) body += tail[at + 27 + i]!;
    if (at + 27 + segments + body > tail.length) continue;
    const granule = tailView.getBigInt64(at + 6, true);
    if (granule < 0n) continue;
    const samples = Number(granule) - preSkip;
    return samples > 0 ? samples / rate : null;
  }
  return null;
}

function indexOf(bytes: Uint8Array, text: string): number {
  const needle = Buffer.from(text, 'latin1');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle);
}
