/**
 * Downloading a live source's cover URL (librespot's `COVERS`): a local HTTP server stands in for the
 * image host (i.scdn.co), reached through a fetch that routes the https URL to it, so the https check
 * itself stays the production one. An image comes back with its type read from the bytes; anything
 * else is a CoverDownloadError with its reason, and nothing is asked of a URL that is not https.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoverDownloadError, downloadCover, type CoverDownloadFailure } from './cover-download';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(4000, 9),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 1)]);
const MAX = 64 * 1024;

let server: http.Server;
let base = '';
const asked: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const send = (status: number, type: string, body: Buffer | string) =>
      res.writeHead(status, { 'content-type': type }).end(body);
    switch (req.url) {
      case '/image/png':
        return send(200, 'image/png', PNG);
      case '/image/jpeg-as-octets':
        return send(200, 'image/jpeg; charset=binary', JPEG);
      case '/image/html':
        return send(200, 'text/html', '<html>a login page</html>');
      case '/image/not-an-image':
        return send(200, 'image/jpeg', 'hello');
      case '/image/missing':
        return send(404, 'text/plain', 'not found');
      case '/image/big':
        return send(200, 'image/png', Buffer.concat([PNG, Buffer.alloc(MAX)]));
      case '/image/big-chunked': {
        // No length said: the body itself runs past the limit.
        res.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
        res.write(PNG);
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(8192));
        return res.end();
      }
      case '/image/slow':
        return; // Never answers.
      case '/image/to-http':
        return res.writeHead(302, { location: `${base}/image/png` }).end();
      case '/image/to-https':
        return res.writeHead(301, { location: 'https://i.scdn.co/image/png' }).end();
      default:
        return send(500, 'text/plain', 'unexpected');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The image host, on loopback: https://i.scdn.co/… is asked of the local server. */
const viaLocalHost: typeof fetch = (input, init) =>
  fetch(String(input).replace('https://i.scdn.co', base), init);

const download = (path: string, timeoutMs = 5000) =>
  downloadCover(`https://i.scdn.co${path}`, { fetch: viaLocalHost, maxBytes: MAX, timeoutMs });

async function failure(promise: Promise<unknown>): Promise<CoverDownloadFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoverDownloadError);
  return (error as CoverDownloadError).reason;
}

describe('downloading a cover URL', () => {
  it('gives the image with its type read from the bytes', async () => {
    const png = await download('/image/png');
    expect(png.mime).toBe('image/png');
    expect(Buffer.compare(Buffer.from(png.bytes), PNG)).toBe(0);
    expect((await download('/image/jpeg-as-octets')).mime).toBe('image/jpeg');
  });

  it('follows a redirect that stays on https, and refuses one to http', async () => {
    expect((await download('/image/to-https')).mime).toBe('image/png');
    expect(await failure(download('/image/to-http'))).toBe('notHttps');
  });

  it('asks nothing of a URL that is not https', async () => {
    const before = asked.length;
    expect(await failure(downloadCover(`${base}/image/png`, { fetch: viaLocalHost }))).toBe('notHttps');
    expect(await failure(downloadCover('file:///etc/passwd', { fetch: viaLocalHost }))).toBe('notHttps');
    expect(await failure(downloadCover('not a url', { fetch: viaLocalHost }))).toBe('notHttps');
    expect(asked.length).toBe(before);
  });

  it('refuses what is not an image, too large, missing or too slow', async () => {
    expect(await failure(download('/image/html'))).toBe('notImage');
    expect(await failure(download('/image/not-an-image'))).toBe('notImage');
    expect(await failure(download('/image/big'))).toBe('tooLarge');
    expect(await failure(download('/image/big-chunked'))).toBe('tooLarge');
    expect(await failure(download('/image/missing'))).toBe('httpStatus');
    expect(await failure(download('/image/slow', 300))).toBe('timeout');
  });

  it('says when the host cannot be reached', async () => {
    const nowhere: typeof fetch = (input, init) =>
      fetch(String(input).replace('https://i.scdn.co', 'http://127.0.0.1:9'), init);
    expect(await failure(downloadCover('https://i.scdn.co/image/png', { fetch: nowhere }))).toBe('network');
  });
});
