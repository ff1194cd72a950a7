/**
 * The headless peer's HTTP server: the built renderer, the JSON control API and the WebSocket bridge,
 * on one port. The API's routes are `api-routes.ts`, pairing `pairing-routes.ts`, media
 * `media-routes.ts`; reading requests and writing answers `http-io.ts`.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import type { WsBridge } from '../bridge/ws-server';
import { mediaCookie, type HttpAccess } from './access';
import { serveApi } from './api-routes';
import type { ApiTokens } from './api-tokens';
import { HttpError, pathOf, sendError } from './http-io';
import { serveMedia, type MediaRoutesComponents } from './media-routes';
import type { Pairing } from './pairing';
import { servePairing } from './pairing-routes';
import { silentLogger, type ComponentLogger } from '../../shared/logger';

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
  media?: MediaRoutesComponents['media'];
  live?: MediaRoutesComponents['live'];
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
    if (pathname === '/api/pair' || pathname.startsWith('/api/pair/'))
      return servePairing(this.components, req, res, pathname);
    if (pathname.startsWith('/api/')) return serveApi(this.components, req, res, pathname);
    if (pathname.startsWith('/media/')) return serveMedia(this.components, req, res, pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
    return this.#static(req, res, pathname);
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
