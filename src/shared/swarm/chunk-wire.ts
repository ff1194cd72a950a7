/**
 * The binary frames of the chunk protocol (each carried in one length-prefixed frame).
 *
 * Requests (client → server), first byte the op:
 * - `GET`   (1): 1..maxIdsPerRequest raw 32-byte chunk ids. The server answers with one frame per
 *   id, in order: `OK` + the chunk's bytes, `MISSING`, or `OVER_LIMIT` once the request's byte
 *   budget is spent (the client asks again later).
 * - `WATCH` (2): one raw 32-byte track id. The server answers `BITMAP` (chunk count + one bit per
 *   chunk it holds) or `UNKNOWN`, then keeps the stream open and sends `HAVE` frames (new chunk
 *   indices) as it stores more of the track. This is how fetchers learn about partial holders.
 * - `COVER` (3): one raw 32-byte track id. The server answers `COVER` + the image bytes (JPEG,
 *   PNG, GIF, WebP or BMP, at most `maxCoverBytes`; the type is read from the bytes, never taken
 *   from the sender) or `UNKNOWN`. This is how a peer shows the cover of a track only others hold.
 *
 * Requests name chunk and track ids only; there is no way to ask for a path.
 */
import { CHUNKING } from '../chunking/fastcdc';
import { hexToBytes, isContentId } from '../chunking/ids';
import { err, ok, type Result } from '../result';
import { catalogLimits } from './catalog';

/** Limits of the chunk protocol. */
export const chunkLimits = {
  maxIdsPerRequest: 64,
  /** Bytes of chunk data one GET may return; the rest is answered OVER_LIMIT. */
  maxResponseBytes: 4 * 1024 * 1024,
  /** Largest frame in either direction: one status byte and the largest chunk. */
  maxFrameBytes: CHUNKING.maxBytes + 1,
  /** Indices in one HAVE frame. */
  maxHaveIndices: 16_384,
  /** Largest cover image a COVER reply carries (larger covers are not shared). */
  maxCoverBytes: 8 * 1024 * 1024,
} as const;

export const OP_GET = 1;
export const OP_WATCH = 2;
export const OP_COVER = 3;

export const STATUS_OK = 0;
export const STATUS_MISSING = 1;
export const STATUS_OVER_LIMIT = 2;
export const STATUS_BITMAP = 3;
export const STATUS_UNKNOWN = 4;
export const STATUS_HAVE = 5;
export const STATUS_COVER = 6;

/** A decoded request. */
export type ChunkRequest =
  { op: 'get'; chunkIds: string[] } | { op: 'watch'; trackId: string } | { op: 'cover'; trackId: string };

/** A decoded reply to a COVER request. */
export type CoverReply = { status: 'cover'; mime: ImageMime; bytes: Uint8Array } | { status: 'unknown' };

/** The image types a cover may have. */
export type ImageMime = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'image/bmp';

/** A decoded reply frame of a GET. */
export type GetReply = { status: 'ok'; bytes: Uint8Array } | { status: 'missing' } | { status: 'over-limit' };

/** A decoded frame of a WATCH stream. */
export type WatchReply =
  | { status: 'bitmap'; chunkCount: number; bitmap: Uint8Array }
  | { status: 'unknown' }
  | { status: 'have'; indices: number[] };

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
export const bytesToHex = (bytes: Uint8Array): string => {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
};

/** Encodes a GET for these chunk ids (1..maxIdsPerRequest well-formed ids). */
export function encodeGet(chunkIds: readonly string[]): Uint8Array {
  if (chunkIds.length < 1 || chunkIds.length > chunkLimits.maxIdsPerRequest)
    throw new RangeError('bad id count');
  const out = new Uint8Array(1 + 32 * chunkIds.length);
  out[0] = OP_GET;
  chunkIds.forEach((id, i) => {
    if (!isContentId(id)) throw new RangeError(`bad chunk id ${id}`);
    out.set(hexToBytes(id), 1 + 32 * i);
  });
  return out;
}

const encodeTrackOp = (op: number, trackId: string): Uint8Array => {
  if (!isContentId(trackId)) throw new RangeError('bad track id');
  const out = new Uint8Array(33);
  out[0] = op;
  out.set(hexToBytes(trackId), 1);
  return out;
};

/** Encodes a WATCH for a track id. */
export const encodeWatch = (trackId: string): Uint8Array => encodeTrackOp(OP_WATCH, trackId);

/** Encodes a COVER request for a track id. */
export const encodeCoverRequest = (trackId: string): Uint8Array => encodeTrackOp(OP_COVER, trackId);

/** Decodes an untrusted request frame. */
export function decodeRequest(frame: Uint8Array): Result<ChunkRequest> {
  if (frame.length < 1) return err('empty request');
  const op = frame[0];
  if (op === OP_GET) {
    const body = frame.length - 1;
    if (body === 0 || body % 32 !== 0) return err('GET: body is not whole ids');
    const count = body / 32;
    if (count > chunkLimits.maxIdsPerRequest)
      return err(`GET: more than ${chunkLimits.maxIdsPerRequest} ids`);
    const chunkIds: string[] = [];
    for (let i = 0; i < count; i++) chunkIds.push(bytesToHex(frame.subarray(1 + 32 * i, 33 + 32 * i)));
    return ok({ op: 'get', chunkIds });
  }
  if (op === OP_WATCH) {
    if (frame.length !== 33) return err('WATCH: expected one track id');
    return ok({ op: 'watch', trackId: bytesToHex(frame.subarray(1)) });
  }
  if (op === OP_COVER) {
    if (frame.length !== 33) return err('COVER: expected one track id');
    return ok({ op: 'cover', trackId: bytesToHex(frame.subarray(1)) });
  }
  return err(`unknown op ${String(op)}`);
}

/** Encodes the OK reply carrying a chunk's bytes. */
export function encodeChunkReply(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = STATUS_OK;
  out.set(bytes, 1);
  return out;
}

/** Encodes a MISSING or OVER_LIMIT reply. */
export function encodeStatus(
  status: typeof STATUS_MISSING | typeof STATUS_OVER_LIMIT | typeof STATUS_UNKNOWN,
): Uint8Array {
  return Uint8Array.of(status);
}

/**
 * Whether a GET reply frame of `length` bytes whose first byte is `status` is a well-formed OK: a
 * receiver may then take the chunk as the frame's bytes after the first without decoding (and
 * joining) the frame.
 */
export function isOkReplyFrame(length: number, status: number | undefined): boolean {
  return status === STATUS_OK && length >= 2 && length <= chunkLimits.maxFrameBytes;
}

/** Decodes an untrusted GET reply frame. */
export function decodeGetReply(frame: Uint8Array): Result<GetReply> {
  if (frame.length < 1) return err('empty reply');
  switch (frame[0]) {
    case STATUS_OK:
      if (!isOkReplyFrame(frame.length, frame[0])) return err('OK: bad chunk length');
      return ok({ status: 'ok', bytes: frame.subarray(1) });
    case STATUS_MISSING:
      return frame.length === 1 ? ok({ status: 'missing' }) : err('MISSING: trailing bytes');
    case STATUS_OVER_LIMIT:
      return frame.length === 1 ? ok({ status: 'over-limit' }) : err('OVER_LIMIT: trailing bytes');
    default:
      return err(`unknown reply status ${String(frame[0])}`);
  }
}

/** Encodes a BITMAP frame: which of the track's chunks the sender holds. */
export function encodeBitmap(have: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(5 + Math.ceil(have.length / 8));
  out[0] = STATUS_BITMAP;
  new DataView(out.buffer).setUint32(1, have.length);
  have.forEach((h, i) => {
    if (h) out[5 + (i >> 3)]! |= 0x80 >> (i & 7);
  });
  return out;
}

/** Encodes a HAVE frame with newly held chunk indices. */
export function encodeHave(indices: readonly number[]): Uint8Array {
  if (indices.length > chunkLimits.maxHaveIndices) throw new RangeError('too many indices');
  const out = new Uint8Array(1 + 4 * indices.length);
  out[0] = STATUS_HAVE;
  const view = new DataView(out.buffer);
  indices.forEach((index, i) => view.setUint32(1 + 4 * i, index));
  return out;
}

/** Whether bit `index` of a bitmap is set. */
export const bitmapHas = (bitmap: Uint8Array, index: number): boolean =>
  ((bitmap[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;

/** Decodes an untrusted WATCH frame; `chunkCount` is the track's length as this peer knows it. */
export function decodeWatchReply(frame: Uint8Array, chunkCount: number): Result<WatchReply> {
  if (frame.length < 1) return err('empty frame');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  switch (frame[0]) {
    case STATUS_BITMAP: {
      if (frame.length < 5) return err('BITMAP: no count');
      const count = view.getUint32(1);
      if (count !== chunkCount || count > catalogLimits.maxChunksPerTrack)
        return err('BITMAP: chunk count differs');
      if (frame.length !== 5 + Math.ceil(count / 8)) return err('BITMAP: wrong length');
      return ok({ status: 'bitmap', chunkCount: count, bitmap: frame.slice(5) });
    }
    case STATUS_UNKNOWN:
      return frame.length === 1 ? ok({ status: 'unknown' }) : err('UNKNOWN: trailing bytes');
    case STATUS_HAVE: {
      const body = frame.length - 1;
      if (body % 4 !== 0 || body / 4 > chunkLimits.maxHaveIndices) return err('HAVE: bad length');
      const indices: number[] = [];
      for (let i = 0; i < body / 4; i++) {
        const index = view.getUint32(1 + 4 * i);
        if (index >= chunkCount) return err('HAVE: index out of range');
        indices.push(index);
      }
      return ok({ status: 'have', indices });
    }
    default:
      return err(`unknown watch status ${String(frame[0])}`);
  }
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The image type of `bytes` from their signature, or null when they are no image a cover may be. */
export function sniffImageMime(bytes: Uint8Array): ImageMime | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(bytes, ascii('BM')) && bytes.length > 26) return 'image/bmp';
  return null;
}

/**
 * Encodes the COVER reply carrying an image; null when the bytes are no known image type or are
 * larger than `maxCoverBytes` (the server then answers UNKNOWN).
 */
export function encodeCoverReply(image: Uint8Array): Uint8Array | null {
  if (image.length > chunkLimits.maxCoverBytes || sniffImageMime(image) === null) return null;
  const out = new Uint8Array(1 + image.length);
  out[0] = STATUS_COVER;
  out.set(image, 1);
  return out;
}

/** Decodes an untrusted COVER reply frame; the image type comes from the bytes themselves. */
export function decodeCoverReply(frame: Uint8Array): Result<CoverReply> {
  if (frame.length < 1) return err('empty reply');
  if (frame[0] === STATUS_UNKNOWN)
    return frame.length === 1 ? ok({ status: 'unknown' }) : err('UNKNOWN: trailing bytes');
  if (frame[0] !== STATUS_COVER) return err(`unknown cover status ${String(frame[0])}`);
  const bytes = frame.subarray(1);
  if (bytes.length > chunkLimits.maxCoverBytes) return err('COVER: image too large');
  const mime = sniffImageMime(bytes);
  if (!mime) return err('COVER: not a JPEG, PNG, GIF, WebP or BMP image');
  return ok({ status: 'cover', mime, bytes });
}
