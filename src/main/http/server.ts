/** The headless peer's HTTP server: the built renderer, the JSON control API and the WebSocket bridge, on one port. */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestChannel } from '../../shared/bridge/contract';
import { BridgeError, dispatchRequest, type BridgeHandlers } from '../../shared/bridge/dispatch';
import { ConfirmationRequiredError } from '../settings-guard';
import type { WsBridge } from '../bridge/ws-server';
import { isContentId } from '../../shared/chunking/ids';
import { MEDIA_COOKIE, type HttpAccess } from './access';
import type { ApiTokens } from './api-tokens';
import type { Pairing } from './pairing';
import { NOT_HERE_YET, mediaHead, rangeArrived, type MediaBody } from './range';
import { isSourceId, withLengthPrefix } from '../../shared/live/frames';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

const MAX_BODY_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** How long a paired browser's media cookie lasts (its token lasts until revoked; the UI renews the cookie). */
const MEDIA_COOKIE_MAX_AGE_SEC = 365 * 24 * 3600;

/** HTTP status for each error the peer raises on purpose. */
const errorStatus: Record<string, number> = {
  PlaybackCommandError: 409,
  PlaybackNoLeaderError: 503,
  PlaybackTimeoutError: 504,
  PlaybackNotRunningError: 503,
  NotAvailableError: 503,
  TrackNotFoundError: 404,
  ChunkUnavailableError: 409,
  InvalidSettingError: 422,
  DeviceSettingsError: 422,
  DeviceTimeoutError: 504,
  // No window with a microphone took a calibration; a request naming no speaker in the room (#23).
  NoMicrophoneError: 409,
  CalibrationRequestError: 422,
  PlaylistNotFoundError: 404,
  LocalOnlyError: 403,
  UnknownConfirmationError: 404,
  // The data folder cannot take the track's chunks: "disk full: N MB needed" (#24).
  StorageError: 507,
};

/** An error whose message is safe to show a client, with the HTTP status it maps to. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Route {
  method: 'GET' | 'POST';
  channel: RequestChannel;
  /** Whether the JSON body is the request (otherwise the request is empty). */
  body: boolean;
  /** Largest body accepted (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
}

/** The control API: each route is a bridge channel, so HTTP, WebSocket and IPC share validation and handlers. */
export const apiRoutes: Record<string, Route[]> = {
  '/api/status': [{ method: 'GET', channel: 'peer:status', body: false }],
  '/api/tracks': [{ method: 'GET', channel: 'library:list', body: false }],
  '/api/play': [{ method: 'POST', channel: 'playback:play', body: true }],
  '/api/pause': [{ method: 'POST', channel: 'playback:pause', body: false }],
  '/api/resume': [{ method: 'POST', channel: 'playback:resume', body: false }],
  '/api/stop': [{ method: 'POST', channel: 'playback:stop', body: false }],
  '/api/next': [{ method: 'POST', channel: 'playback:next', body: false }],
  '/api/prev': [{ method: 'POST', channel: 'playback:prev', body: false }],
  '/api/seek': [{ method: 'POST', channel: 'playback:seek', body: true }],
  '/api/state': [{ method: 'GET', channel: 'playback:state', body: false }],
  '/api/queue': [{ method: 'POST', channel: 'queue:enqueue', body: true }],
  '/api/queue/remove': [{ method: 'POST', channel: 'queue:remove', body: true }],
  '/api/queue/move': [{ method: 'POST', channel: 'queue:move', body: true }],
  '/api/queue/clear': [{ method: 'POST', channel: 'queue:clear', body: false }],
  '/api/queue/replace': [{ method: 'POST', channel: 'queue:replace', body: true }],
  '/api/shuffle': [{ method: 'POST', channel: 'playback:shuffle', body: true }],
  '/api/repeat': [{ method: 'POST', channel: 'playback:repeat', body: true }],
  '/api/crossfade': [{ method: 'POST', channel: 'playback:crossfade', body: true }],
  '/api/loudness': [{ method: 'POST', channel: 'playback:loudness', body: true }],
  '/api/devices': [{ method: 'GET', channel: 'devices:list', body: false }],
  '/api/volume': [{ method: 'POST', channel: 'volume:group', body: true }],
  '/api/playlists': [{ method: 'GET', channel: 'playlists:list', body: false }],
  '/api/playlists/save': [{ method: 'POST', channel: 'playlists:save', body: true }],
  '/api/playlists/delete': [{ method: 'POST', channel: 'playlists:delete', body: true }],
  '/api/playlists/play': [{ method: 'POST', channel: 'playlists:play', body: true }],
  // An M3U8 file's text travels in the body: more room than other requests need.
  '/api/playlists/import': [
    { method: 'POST', channel: 'playlists:import', body: true, maxBodyBytes: 1024 * 1024 },
  ],
  '/api/playlists/export': [{ method: 'POST', channel: 'playlists:export', body: true }],
  '/api/sources': [{ method: 'GET', channel: 'live:sources', body: false }],
  '/api/calibration': [
    { method: 'GET', channel: 'calibration:latest', body: false },
    { method: 'POST', channel: 'calibration:start', body: true },
  ],
  '/api/settings': [
    { method: 'GET', channel: 'settings:get', body: false },
    { method: 'POST', channel: 'settings:set', body: true },
  ],
  '/api/settings/pending': [{ method: 'GET', channel: 'settings:pending', body: false }],
  '/api/settings/confirm': [{ method: 'POST', channel: 'settings:confirm', body: true }],
  '/api/pairing': [{ method: 'GET', channel: 'pairing:state', body: false }],
  '/api/pairing/start': [{ method: 'POST', channel: 'pairing:start', body: false }],
  '/api/pairing/devices': [{ method: 'GET', channel: 'pairing:list', body: false }],
  '/api/pairing/revoke': [{ method: 'POST', channel: 'pairing:revoke', body: true }],
};

/** `POST /api/devices/{peerId}/settings`: the one route with a parameter, the peer id, passed in the request. */
const DEVICE_SETTINGS_PATH = /^\/api\/devices\/([A-Za-z0-9]{1,128})\/settings$/;
const deviceSettingsRoutes: Route[] = [{ method: 'POST', channel: 'devices:settings', body: true }];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Serves binary media (track bytes, cover art) by id; returns null when unknown. */
export type MediaSource = (kind: string, id: string) => Promise<MediaBody | null>;

export interface HttpServerInit {
  host: string;
  port: number;
  /** Folder of the built renderer (index.html and assets); null serves a page saying how to build it. */
  rendererDir: string | null;
}

export interface HttpServerComponents {
  handlers: BridgeHandlers;
  bridge: WsBridge;
  access: HttpAccess;
  tokens: ApiTokens;
  pairing: Pairing;
  media?: MediaSource;
  /** A live source's frames for one window, until the signal aborts; null when unknown (#22). */
  live?: (sourceId: string, signal: AbortSignal, codec: 'pcm' | null) => AsyncGenerator<Uint8Array> | null;
  /** Told when a browser asks for a pairing code, so the device can show it. */
  logger?: ComponentLogger;
}

/** HTTP + WebSocket server of the headless peer. */
export class HttpServer {
  readonly #server: http.Server;

  constructor(
    private readonly components: HttpServerComponents,
    private readonly init: HttpServerInit,
  ) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:http');
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => sendError(res, error, log));
    });
    this.#server.on('upgrade', (req, socket, head) => {
      const refuse = (status: number, message: string) => {
        const body = JSON.stringify({ error: message });
        socket.end(
          `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      };
      socket.on('error', () => socket.destroy());
      const verdict = components.access.checkOrigin(req);
      if (!verdict.ok) return refuse(403, verdict.reason);
      if (pathOf(req) !== '/bridge') return refuse(404, 'no such endpoint');
      const caller = components.access.authenticate(req);
      if (!caller) return refuse(401, 'missing or invalid token');
      components.bridge.handleUpgrade(req, socket, head, caller);
    });
  }

  /** Starts listening; resolves with the URL the UI is reachable at. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.init.port, this.init.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  /** The port the server listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The URL of the UI. */
  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  }

  /** Stops accepting connections and closes open ones. */
  async stop(): Promise<void> {
    this.components.bridge.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Cross-origin isolation gives the page's performance.now() microsecond resolution instead of 100 µs,
    // which the group clock and the audio scheduling use; everything the UI loads is same-origin.
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    res.setHeader('x-content-type-options', 'nosniff');
    const verdict = this.components.access.checkOrigin(req);
    if (!verdict.ok) throw new HttpError(403, verdict.reason);
    const pathname = pathOf(req);
    if (pathname === null) throw new HttpError(400, 'malformed URL');
    if (pathname === '/api/pair' || pathname.startsWith('/api/pair/')) return this.#pair(req, res, pathname);
    if (pathname.startsWith('/api/')) return this.#api(req, res, pathname);
    if (pathname.startsWith('/media/')) return this.#media(req, res, pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
    return this.#static(req, res, pathname);
  }

  async #api(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const device = DEVICE_SETTINGS_PATH.exec(pathname);
    const routes = device ? deviceSettingsRoutes : apiRoutes[pathname];
    if (!routes) throw new HttpError(404, `no such endpoint ${pathname}`);
    const route = routes.find((r) => r.method === req.method);
    if (!route)
      throw new HttpError(
        405,
        `${req.method} not allowed on ${pathname} (use ${routes.map((r) => r.method).join(' or ')})`,
      );
    const caller = this.components.access.authenticate(req);
    if (!caller) throw new HttpError(401, 'missing or invalid token (send Authorization: Bearer <token>)');
    const body = route.method === 'POST' ? await readJson(req, route.maxBodyBytes) : undefined;
    const payload =
      device && typeof body === 'object' && body !== null && !Array.isArray(body)
        ? { ...body, peerId: device[1] }
        : body;
    try {
      const value = await dispatchRequest(
        this.components.handlers,
        route.channel,
        route.body ? payload : undefined,
        caller,
      );
      sendJson(res, 200, value ?? { ok: true });
    } catch (error) {
      if (error instanceof BridgeError) throw new HttpError(400, error.message);
      // A paired browser's sensitive change is accepted, not done: the device's user confirms it.
      if (error instanceof ConfirmationRequiredError)
        return sendJson(res, 202, { pending: error.confirmationId, message: error.message });
      throw error;
    }
  }

  /** Pairing a new browser: the only API routes open without a token (and rate-limited). */
  async #pair(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST')
      throw new HttpError(405, `${req.method} not allowed on ${pathname} (use POST)`);
    const body = await readJson(req);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const address = req.socket.remoteAddress ?? 'unknown';
    const name = deviceName(fields.name);
    const { pairing, tokens } = this.components;
    if (pathname === '/api/pair/request') {
      const opened = pairing.open(`${name} (${address})`, address);
      if (!opened) throw new HttpError(429, 'asked too often; wait a few seconds', { 'retry-after': '3' });
      return sendJson(res, 200, { ok: true, expiresAtMs: opened.expiresAtMs });
    }
    if (pathname !== '/api/pair') throw new HttpError(404, `no such endpoint ${pathname}`);
    const code = typeof fields.code === 'string' ? fields.code.trim() : '';
    if (!/^\d{6}$/.test(code)) throw new HttpError(400, 'code: six digits expected');
    const attempt = pairing.attempt(code, address);
    if (!attempt.ok) {
      if (attempt.reason === 'locked') {
        const seconds = Math.ceil(attempt.retryAfterMs / 1000);
        throw new HttpError(429, `too many wrong codes; try again in ${seconds} s`, {
          'retry-after': String(seconds),
        });
      }
      throw new HttpError(
        403,
        attempt.reason === 'wrong'
          ? 'wrong code'
          : 'no pairing code is open on the device: ask for a new one',
      );
    }
    const { token, device } = await tokens.pair(name, address);
    this.components.logger?.forComponent('firefly:pairing')(`paired ${device.name} (${address})`);
    res.setHeader('set-cookie', mediaCookie(token, MEDIA_COOKIE_MAX_AGE_SEC));
    sendJson(res, 200, { token, deviceId: device.id });
  }

  async #media(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
    if (!this.components.access.authenticate(req, { allowCookie: true }))
      throw new HttpError(401, 'missing or invalid token');
    const [, , kind, id, extra] = pathname.split('/');
    if (kind === 'live' && id !== undefined && extra === undefined) return this.#live(req, res, id);
    // `/media/live-cover/<sourceId>`: what a local live source plays, its cover.
    const idOk = kind === 'live-cover' ? isSourceId(id) : !!id && isContentId(id);
    if (!kind || !id || extra !== undefined || !idOk) throw new HttpError(404, 'no such media');
    const found = this.components.media ? await this.components.media(kind, id) : null;
    if (!found) throw new HttpError(404, `no ${kind} ${id}`);
    const rangeHeader = header(req, 'range');
    const head = mediaHead(found, rangeHeader);
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    // A range still on its way from other peers: wait a while; a byte-range reader asks again after a 503.
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
    // Streamed piece by piece with backpressure: memory stays flat whatever the file's size.
    try {
      await pipeline(Readable.from(found.read(head.range, { signal: abort.signal })), res, {
        signal: abort.signal,
      });
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
  async #live(req: IncomingMessage, res: ServerResponse, sourceId: string): Promise<void> {
    if (!isSourceId(sourceId)) throw new HttpError(404, 'no such live source');
    const abort = new AbortController();
    const codec = new URL(req.url ?? '/', 'http://peer').searchParams.get('codec') === 'pcm' ? 'pcm' : null;
    const frames = this.components.live?.(sourceId, abort.signal, codec) ?? null;
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
        this.components.logger?.forComponent('firefly:live')(
          `window stream of ${sourceId} ended: ${String(error)}`,
        );
    } finally {
      abort.abort();
      res.end();
    }
  }

  async #static(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const root = this.init.rendererDir;
    if (!root) {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!doctype html><title>Firefly</title><p>The web UI is not built yet: run <code>npm run build</code>.</p>',
      );
      return;
    }
    const relative = pathname.replace(/^\/+/, '');
    let file = path.resolve(root, relative || 'index.html');
    if (file !== root && !file.startsWith(root + path.sep)) throw new HttpError(404, 'not found');
    let info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      // Client-side routes fall back to the app shell; missing assets stay 404.
      if (path.extname(relative)) throw new HttpError(404, 'not found');
      file = path.join(root, 'index.html');
      info = await stat(file);
    }
    if (file === path.join(root, 'index.html')) return this.#page(req, res, file);
    res.writeHead(200, {
      'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'public, max-age=3600',
    });
    createReadStream(file).pipe(res);
  }

  /**
   * The app shell. A browser on this machine gets the device's token in a meta tag (a page of
   * another origin cannot read this answer, and a rebound name never gets here: the Host check
   * refuses it); a browser elsewhere gets none and pairs.
   */
  async #page(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
    const token = this.components.access.pageToken(req);
    let html = await readFile(file, 'utf8');
    if (token) {
      html = html.replace('<head>', `<head>\n    <meta name="firefly-token" content="${token}" />`);
      res.setHeader('set-cookie', mediaCookie(token));
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      'content-security-policy': "frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }
}

/** The request's decoded path; null when its escapes are malformed. */
function pathOf(req: IncomingMessage): string | null {
  try {
    return decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return null;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function mediaCookie(token: string, maxAgeSec?: number): string {
  return `${MEDIA_COOKIE}=${token}; Path=/media/; HttpOnly; SameSite=Strict${maxAgeSec ? `; Max-Age=${maxAgeSec}` : ''}`;
}

/** A paired browser's name as given, cleaned for lists and logs. */
function deviceName(value: unknown): string {
  const text = typeof value === 'string' ? value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim() : '';
  return text.isWellFormed() && text.length > 0 ? text.slice(0, 64) : 'Browser';
}

async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  // A JSON content type makes every cross-origin write a CORS request with a preflight, never a "simple" one.
  const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, 'send the request with Content-Type: application/json');
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    const onData = (part: Buffer) => {
      size += part.length;
      if (size <= maxBytes) return void parts.push(part);
      // Read the rest into nothing (no early destroy), so the client gets this answer, not a reset.
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, `request body over ${maxBytes} bytes`, { connection: 'close' }));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(parts)));
    req.once('error', reject);
  });
  let text: string;
  try {
    text = utf8.decode(bytes).trim();
  } catch {
    throw new HttpError(400, 'request body is not valid UTF-8');
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers a failed request; only an unexpected failure (a 500) is logged, without its stack. */
function sendError(res: ServerResponse, error: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message }, error.headers);
  // Failures the peer expects (no leader yet, a refused command): a 4xx/5xx with the message, never the stack.
  const status = error instanceof Error ? errorStatus[error.name] : undefined;
  if (status) return sendJson(res, status, { error: (error as Error).message });
  sendJson(res, 500, { error: 'internal error' });
  log.warn(`request failed: ${error instanceof Error ? error.message : String(error)}`);
}
