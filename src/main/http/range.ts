/** HTTP byte ranges (RFC 9110 §14): one range per request, which is all a media player asks for. */

/** A byte range, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a `Range` header against a resource of `sizeBytes`: null when there is none or it is not
 * one byte range we serve (the whole resource is sent, as the RFC allows), 'unsatisfiable' when it
 * lies past the end (416).
 */
export function parseRange(
  header: string | undefined,
  sizeBytes: number,
): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, sizeBytes - length), end: sizeBytes };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start) || start >= sizeBytes) return 'unsatisfiable';
  const end = last === '' ? sizeBytes : Math.min(sizeBytes, Number(last) + 1);
  if (!Number.isSafeInteger(end) || end <= start) return null;
  return { start, end };
}

/** A media resource served in pieces: its type, size, and a reader of any byte range. */
export interface MediaBody {
  mime: string;
  sizeBytes: number;
  /** Reads bytes [start, end) in order, in pieces of any size; stops when `signal` aborts. */
  read(range: ByteRange, options: { signal: AbortSignal }): AsyncIterable<Uint8Array>;
}

/** A MediaBody over bytes already in memory (cover images). */
export function bytesBody(bytes: Uint8Array, mime: string): MediaBody {
  return {
    mime,
    sizeBytes: bytes.byteLength,
    read: async function* ({ start, end }) {
      yield bytes.subarray(start, end);
    },
  };
}

/** The status and headers of a media answer to a request with `rangeHeader`. */
export function mediaHead(
  body: MediaBody,
  rangeHeader: string | undefined,
): { status: 200 | 206 | 416; range: ByteRange | null; headers: Record<string, string> } {
  const range = parseRange(rangeHeader, body.sizeBytes);
  const base = { 'content-type': body.mime, 'accept-ranges': 'bytes' };
  if (range === 'unsatisfiable')
    return { status: 416, range: null, headers: { ...base, 'content-range': `bytes */${body.sizeBytes}` } };
  if (range === null)
    return {
      status: 200,
      range: { start: 0, end: body.sizeBytes },
      headers: { ...base, 'content-length': String(body.sizeBytes) },
    };
  return {
    status: 206,
    range,
    headers: {
      ...base,
      'content-length': String(range.end - range.start),
      'content-range': `bytes ${range.start}-${range.end - 1}/${body.sizeBytes}`,
    },
  };
}
