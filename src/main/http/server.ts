/** The headless peer's HTTP server: the built renderer, the JSON control API and the WebSocket bridge, on one port. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  BridgeError,
  dispatchRequest,
  type BridgeHandlers,
  type RequestChannel,
} from '../../shared/bridge/contract';
import type { WsBridge } from '../bridge/ws-server';

const MAX_BODY_BYTES = 64 * 1024;

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
};

/** An error whose message is safe to show a client, with the HTTP status it maps to. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Route {
  method: 'GET' | 'POST';
  channel: RequestChannel;
  /** Whether the JSON body is the request (otherwise the request is empty). */
  body: boolean;
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
  '/api/settings': [
    { method: 'GET', channel: 'settings:get', body: false },
    { method: 'POST', channel: 'settings:set', body: true },
  ],
};

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
export type MediaSource = (kind: string, id: string) => Promise<{ bytes: Uint8Array; mime: string } | null>;

export interface HttpServerInit {
  host: string;
  port: number;
  /** Folder of the built renderer (index.html and assets); null serves a page saying how to build it. */
  rendererDir: string | null;
}

export interface HttpServerComponents {
  handlers: BridgeHandlers;
  bridge: WsBridge;
  media?: MediaSource;
}

/** HTTP + WebSocket server of the headless peer. */
export class HttpServer {
  readonly #server: http.Server;

  constructor(
    private readonly components: HttpServerComponents,
    private readonly init: HttpServerInit,
  ) {
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => sendError(res, error));
    });
    this.#server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname === '/bridge')
        components.bridge.handleUpgrade(req, socket, head);
      else socket.destroy();
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

  /** The URL of the UI. */
  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  }

  /** Stops accepting connections and closes open ones. */
  async stop(): Promise<void> {
    this.components.bridge.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Cross-origin isolation gives the page's performance.now() microsecond resolution instead of 100 µs,
    // which the group clock and the audio scheduling use; everything the UI loads is same-origin.
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    if (url.pathname.startsWith('/api/')) return this.#api(req, res, url.pathname);
    if (url.pathname.startsWith('/media/')) return this.#media(res, url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
    return this.#static(res, url.pathname);
  }

  async #api(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const routes = apiRoutes[pathname];
    if (!routes) throw new HttpError(404, `no such endpoint ${pathname}`);
    const route = routes.find((r) => r.method === req.method);
    if (!route)
      throw new HttpError(
        405,
        `${req.method} not allowed on ${pathname} (use ${routes.map((r) => r.method).join(' or ')})`,
      );
    const payload = route.body ? await readJson(req) : undefined;
    try {
      const value = await dispatchRequest(this.components.handlers, route.channel, payload);
      sendJson(res, 200, value ?? { ok: true });
    } catch (error) {
      if (error instanceof BridgeError) throw new HttpError(400, error.message);
      throw error;
    }
  }

  async #media(res: ServerResponse, pathname: string): Promise<void> {
    const [, , kind, id] = pathname.split('/');
    if (!kind || !id || !/^[0-9a-f]{16,128}$/.test(id)) throw new HttpError(404, 'no such media');
    const found = this.components.media ? await this.components.media(kind, id) : null;
    if (!found) throw new HttpError(404, `no ${kind} ${id}`);
    res.writeHead(200, {
      'content-type': found.mime,
      'content-length': found.bytes.byteLength,
      'cache-control': 'private, max-age=31536000, immutable',
    });
    res.end(found.bytes);
  }

  async #static(res: ServerResponse, pathname: string): Promise<void> {
    const root = this.init.rendererDir;
    if (!root) {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!doctype html><title>Firefly</title><p>The web UI is not built yet: run <code>npm run build</code>.</p>',
      );
      return;
    }
    const relative = decodeURIComponent(pathname).replace(/^\/+/, '');
    let file = path.resolve(root, relative || 'index.html');
    if (file !== root && !file.startsWith(root + path.sep)) throw new HttpError(404, 'not found');
    let info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      // Client-side routes fall back to the app shell; missing assets stay 404.
      if (path.extname(relative)) throw new HttpError(404, 'not found');
      file = path.join(root, 'index.html');
      info = await stat(file);
    }
    res.writeHead(200, {
      'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
    });
    createReadStream(file).pipe(res);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
  // Failures the peer expects (no leader yet, a refused command): a 4xx/5xx with the message, never the stack.
  const status = error instanceof Error ? errorStatus[error.name] : undefined;
  if (status) return sendJson(res, status, { error: (error as Error).message });
  sendJson(res, 500, { error: 'internal error' });
  console.error('firefly-peer: request failed:', error);
}
