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
  /**
   * For a file still arriving: asks for bytes [start, end) first and resolves true once the first of them
   * can be read (its chunk is stored), or all of them with `whole`, or false if they did not arrive within
   * `waitMs` (a request is then answered 503 with Retry-After). Absent: all here.
   */
  arrival?(
    range: ByteRange,
    options: { signal: AbortSignal; waitMs: number; whole?: boolean },
  ): Promise<boolean>;
  /**
   * For a file still arriving: where the stretch of stored bytes from `offset` on ends (`offset` when that
   * byte is not stored yet). A range is then sent piece by piece as it arrives (`readArriving`).
   */
  storedUntil?(offset: number): number;
}

/** A range of a file still arriving stopped arriving: its answer is cut short, and the reader asks again. */
export class MediaStalledError extends Error {
  override name = 'MediaStalledError';
}

/**
 * Bytes [start, end) of `body`, each stretch sent as soon as it is stored (a player's first reads need
 * only the first chunks of the head it asks for, and on a peer that fetches the track the head's last
 * chunks arrive well after its first); the wait for each next piece is at most `waitMs`.
 */
export async function* readArriving(
  body: MediaBody,
  range: ByteRange,
  options: { signal: AbortSignal; waitMs: number },
): AsyncGenerator<Uint8Array> {
  const storedUntil = body.storedUntil;
  if (!body.arrival || !storedUntil) return yield* body.read(range, options);
  let at = range.start;
  while (at < range.end) {
    let until = Math.min(range.end, storedUntil(at));
    if (until <= at) {
      if (!(await body.arrival({ start: at, end: range.end }, options)))
        throw new MediaStalledError(`bytes from ${at} did not arrive within ${options.waitMs} ms`);
      until = Math.min(range.end, storedUntil(at));
      if (until <= at) throw new MediaStalledError(`bytes from ${at} said to be here are not`);
    }
    yield* body.read({ start: at, end: until }, options);
    at = until;
  }
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

/** How long a byte-range request waits for bytes still arriving before it is answered 503 (ms). */
export const MEDIA_ARRIVAL_WAIT_MS = 10_000;
/** How long a request for a whole file (no Range: a plain download) waits for it to arrive (ms). */
export const WHOLE_FILE_ARRIVAL_WAIT_MS = 5 * 60_000;

/** The answer to a range not here yet: ask again in a second. */
export const NOT_HERE_YET = {
  status: 503,
  headers: { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' },
  body: JSON.stringify({ error: 'not here yet: the track is still arriving from other peers' }),
} as const;

/** How long a request may wait for the bytes of a file still arriving, with or without a Range header (ms). */
export function arrivalWaitMs(hasRangeHeader: boolean): number {
  return hasRangeHeader ? MEDIA_ARRIVAL_WAIT_MS : WHOLE_FILE_ARRIVAL_WAIT_MS;
}

/**
 * Whether `range` of `body` can be answered now, waiting as long as such a request may wait: for a byte-range
 * request its start (its first chunk is stored; the rest is sent as it arrives, `readArriving`); for the
 * whole file all of it, so that a download that fails (a full disk: 507) is the answer, not a cut-off body.
 */
export async function rangeArrived(
  body: MediaBody,
  range: ByteRange,
  hasRangeHeader: boolean,
  signal: AbortSignal,
): Promise<boolean> {
  if (!body.arrival) return true;
  return body.arrival(range, { signal, waitMs: arrivalWaitMs(hasRangeHeader), whole: !hasRangeHeader });
}
