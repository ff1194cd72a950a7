/**
 * The byte-range HTTP server the browser decoder tests read tracks from (`e2e/mp3-seek`,
 * `e2e/decoder-gapless`, `e2e/stream-engine`): a page at `/`, its scripts, and tracks under one
 * path prefix, answered whole or by `Range: bytes=a-b` / `bytes=a-`. It counts, per track, the bytes
 * the socket took (sent in pieces with backpressure, so a reader that stops early stops the count).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeServerOptions {
  /** The page served at `/`. */
  html: string;
  /** Scripts by path (`/page.js` → source). */
  scripts: ReadonlyMap<string, string>;
  /** Tracks are served at `${prefix}${name}` (`/media/track/` for `/media/track/long`). */
  prefix: string;
  /** A track's bytes by name, or undefined for none (404). */
  track(name: string): Uint8Array | undefined;
  /** Headers on every answer (the peer's cross-origin isolation, for a page that needs it). */
  headers?: Readonly<Record<string, string>>;
}

export interface RangeServer {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** Bytes the socket took, per track name; a test may delete an entry to count afresh. */
  sent: Map<string, number>;
  /** Every track request as `name range` (`long bytes=0-65535`, `tiny whole`). */
  requests: string[];
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startRangeServer(options: RangeServerOptions): Promise<RangeServer> {
  const sent = new Map<string, number>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(options.html);
    const script = options.scripts.get(url);
    if (script) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    const name = url.startsWith(options.prefix) ? url.slice(options.prefix.length) : null;
    const bytes = name ? options.track(name) : undefined;
    if (!name || !bytes) return void res.writeHead(404).end();
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    const body = bytes.subarray(start, end + 1);
    requests.push(`${name} ${req.headers.range ?? 'whole'}`);
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'content-length': body.length,
      ...(range ? { 'content-range': `bytes ${start}-${end}/${bytes.length}` } : {}),
    });
    let at = 0;
    const pump = (): void => {
      while (at < body.length && !res.destroyed) {
        const piece = body.subarray(at, at + 16 * 1024);
        at += piece.length;
        sent.set(name, (sent.get(name) ?? 0) + piece.length);
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
