/**
 * Media by id for windows and paired browsers: `/media/<kind>/<id>` (track bytes and covers, with
 * HTTP Range, streamed with backpressure; a range still arriving from peers waits a while, then
 * 503), and `/media/live/<sourceId>`, a live source's frames as they come.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isContentId } from '../../shared/chunking/ids';
import { isSourceId, withLengthPrefix } from '../../shared/live/frames';
import type { ComponentLogger } from '../../shared/logger';
import type { HttpAccess } from './access';
import { HttpError, header } from './http-io';
import { NOT_HERE_YET, arrivalWaitMs, mediaHead, rangeArrived, readArriving, type MediaBody } from './range';

/** Serves binary media (track bytes, cover art) by id; returns null when unknown. */
export type MediaSource = (kind: string, id: string) => Promise<MediaBody | null>;

/** What serving media needs from the server's components. */
export interface MediaRoutesComponents {
  access: HttpAccess;
  media?: MediaSource;
  /** A live source's frames for one window, until the signal aborts; null when unknown (#22). */
  live?: (sourceId: string, signal: AbortSignal, codec: 'pcm' | null) => AsyncGenerator<Uint8Array> | null;
  logger?: ComponentLogger;
}

/** Answers one `/media/…` request. */
export async function serveMedia(
  c: MediaRoutesComponents,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
  if (!c.access.authenticate(req, { allowCookie: true }))
    throw new HttpError(401, 'missing or invalid token');
  const [, , kind, id, extra] = pathname.split('/');
  if (kind === 'live' && id !== undefined && extra === undefined) return serveLive(c, req, res, id);
  // `/media/live-cover/<sourceId>`: the cover of what a live source in the room plays.
  const idOk = kind === 'live-cover' ? isSourceId(id) : !!id && isContentId(id);
  if (!kind || !id || extra !== undefined || !idOk) throw new HttpError(404, 'no such media');
  const found = c.media ? await c.media(kind, id) : null;
  if (!found) throw new HttpError(404, `no ${kind} ${id}`);
  const rangeHeader = header(req, 'range');
  const head = mediaHead(found, rangeHeader);
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  // A range still on its way from other peers: wait a while for its start (the rest is sent as it comes); a
  // byte-range reader asks again after a 503.
  if (
    head.range &&
    req.method === 'GET' &&
    !(await rangeArrived(found, head.range, !!rangeHeader, abort.signal))
  ) {
    if (res.destroyed) return;
    res.writeHead(NOT_HERE_YET.status, NOT_HERE_YET.headers).end(NOT_HERE_YET.body);
    return;
  }
  res.writeHead(head.status, { ...head.headers, 'cache-control': 'private, max-age=31536000, immutable' });
  if (req.method === 'HEAD' || !head.range) return void res.end();
  // Streamed piece by piece with backpressure (memory stays flat whatever the file's size), each piece of a
  // file still arriving as soon as it is stored.
  const pieces = readArriving(found, head.range, {
    signal: abort.signal,
    waitMs: arrivalWaitMs(!!rangeHeader),
  });
  try {
    await pipeline(Readable.from(pieces), res, { signal: abort.signal });
  } catch (error) {
    // A client that goes away mid-file is normal (a seek, a closed tab): nothing to report.
    if (abort.signal.aborted || res.destroyed) return;
    throw error;
  }
}

/**
 * `GET /media/live/<sourceId>`: the source's frames as they come, each prefixed by its length (u32
 * little-endian; frames in shared/live/frames.ts), chunked, until the window goes away or the source
 * ends. A window too slow to take them is cut off rather than buffered. `?codec=pcm`: Opus (and FLAC)
 * decoded into PCM here, for a window without WebCodecs.
 */
async function serveLive(
  c: MediaRoutesComponents,
  req: IncomingMessage,
  res: ServerResponse,
  sourceId: string,
): Promise<void> {
  if (!isSourceId(sourceId)) throw new HttpError(404, 'no such live source');
  const abort = new AbortController();
  const codec = new URL(req.url ?? '/', 'http://peer').searchParams.get('codec') === 'pcm' ? 'pcm' : null;
  const frames = c.live?.(sourceId, abort.signal, codec) ?? null;
  if (!frames) throw new HttpError(404, `no live source ${sourceId} in the room (GET /api/sources)`);
  res.writeHead(200, { 'content-type': 'application/x-firefly-live', 'cache-control': 'no-store' });
  if (req.method === 'HEAD') {
    abort.abort();
    await frames.return(undefined);
    return void res.end();
  }
  res.once('close', () => abort.abort());
  // Headers go out at once, so the window knows the stream is open before the first PCM.
  res.flushHeaders();
  try {
    for await (const frame of frames) {
      if (!res.write(withLengthPrefix(frame)))
        await new Promise((resolve) => {
          res.once('drain', resolve);
          abort.signal.addEventListener('abort', resolve, { once: true });
        });
      if (abort.signal.aborted) break;
    }
  } catch (error) {
    if (!abort.signal.aborted)
      c.logger?.forComponent('firefly:live')(`window stream of ${sourceId} ended: ${String(error)}`);
  } finally {
    abort.abort();
    res.end();
  }
}
