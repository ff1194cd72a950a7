/**
 * The local API as an attacker and as a script see it, against a real headless peer: every route
 * and the WebSocket refuse a foreign Host or Origin (403) and a missing token (401); writes need a
 * JSON content type; sensitive settings are guarded; media is streamed in byte ranges with flat
 * memory; a fuzz of malformed requests gets no 5xx, no hang and no stack trace.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiFetch, launchPeer, type TestPeer } from './support/peers';
import { apiRoutes } from '../src/main/http/api-routes';
import { writeNoiseWav } from '../src/main/swarm/testing/swarm-peer';
import { seededRandom } from '../src/shared/random';
import { makeTone } from './audio/make-audio';

let peer: TestPeer;
let musicDir: string;
let trackId: string;

/** A raw HTTP request (fetch would not let us set Host), answered with status and body. */
function raw(
  method: string,
  route: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(peer.ui);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: route,
        // A GET with a body and no length would run into the next request on the connection.
        headers:
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${route} hung`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The peer's track ids once it lists one at least (its scan is done). */
async function trackIdsOnceListed(target: TestPeer, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tracks = (await (await apiFetch(target.ui, '/api/tracks')).json()) as Array<{ trackId: string }>;
    if (tracks.length > 0) return tracks.map((t) => t.trackId);
    if (Date.now() > deadline) throw new Error(`${target.name} listed no track within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const auth = () => ({ authorization: `Bearer ${peer.token}` });
const host = () => new URL(peer.ui).host;

/** Tries a WebSocket upgrade; resolves with the HTTP status of a refusal, or 101 when it opened. */
function upgrade(headers: Record<string, string>, protocols: string[] = ['firefly']): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${peer.ui.replace('http', 'ws')}/bridge`, protocols, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  musicDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-access-music-'));
  await makeTone(path.join(musicDir, 'tone.flac'), { format: 'flac', durationSec: 3, noise: true });
  peer = await launchPeer({ name: 'den', args: ['--library', musicDir] });
  [trackId = ''] = await trackIdsOnceListed(peer, 30_000);
}, 60_000);

afterAll(async () => {
  await peer.stop();
  rmSync(peer.dataDir, { recursive: true, force: true });
  rmSync(musicDir, { recursive: true, force: true });
});

describe('the local API', () => {
  const everyRoute = () => [
    ...Object.entries(apiRoutes).flatMap(([route, methods]) =>
      methods.map((m) => [m.method, route] as const),
    ),
    ['GET', `/media/track/${trackId}`] as const,
    ['GET', '/'] as const,
    ['POST', '/api/pair'] as const,
    ['POST', '/api/pair/request'] as const,
  ];

  it('refuses a rebound Host and a foreign Origin on every route and the WebSocket, with a JSON error', async () => {
    for (const [method, route] of everyRoute()) {
      const json = { ...auth(), 'content-type': 'application/json' };
      const rebound = await raw(
        method,
        route,
        { ...json, host: `evil.example:${new URL(peer.ui).port}` },
        '{}',
      );
      expect(rebound.status, `${method} ${route} with a rebound Host`).toBe(403);
      expect((JSON.parse(rebound.body) as { error: string }).error).toMatch(/not this peer/);
      for (const origin of [
        `http://127.0.0.1:${Number(new URL(peer.ui).port) + 1}`,
        'http://evil.example',
        'null',
      ]) {
        const foreign = await raw(method, route, { ...json, host: host(), origin }, '{}');
        expect(foreign.status, `${method} ${route} from ${origin}`).toBe(403);
      }
      const sameSite = await raw(method, route, { ...auth(), host: host(), 'sec-fetch-site': 'same-site' });
      expect(sameSite.status, `${method} ${route} marked same-site`).toBe(403);
    }
    expect(
      await upgrade({ ...auth(), origin: 'http://localhost:3000' }, [
        'firefly',
        `firefly-token.${peer.token}`,
      ]),
    ).toBe(403);
    expect(await upgrade({ host: 'evil.example:80' }, ['firefly', `firefly-token.${peer.token}`])).toBe(403);
  });

  it('answers nothing without the token, and everything with it (header or WebSocket subprotocol)', async () => {
    for (const [method, route] of everyRoute()) {
      if (route === '/' || route.startsWith('/api/pair')) continue;
      const response = await raw(method, route, { host: host(), 'content-type': 'application/json' }, '{}');
      expect(response.status, `${method} ${route} without a token`).toBe(401);
      const wrong = await raw(method, route, { host: host(), authorization: `Bearer ${'x'.repeat(43)}` });
      expect(wrong.status, `${method} ${route} with a wrong token`).toBe(401);
    }
    expect(await upgrade({ origin: peer.ui })).toBe(401);
    expect(await upgrade({ origin: peer.ui }, ['firefly', 'firefly-token.wrong'])).toBe(401);
    expect(await upgrade({ origin: peer.ui }, ['firefly', `firefly-token.${peer.token}`])).toBe(101);
    expect((await raw('GET', '/api/status', { host: host(), ...auth() })).status).toBe(200);
  });

  it('takes writes only as JSON, so no page can send a "simple" cross-site POST', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ]) {
      const response = await raw(
        'POST',
        '/api/settings',
        { host: host(), ...auth(), 'content-type': type },
        '{"volume":0.1}',
      );
      expect(response.status, `content type "${type}"`).toBe(415);
    }
    expect(((await (await apiFetch(peer.ui, '/api/settings')).json()) as { volume: number }).volume).toBe(1);
  });

  it('never shows the room passphrase and refuses system folders and bad names, saying why', async () => {
    const settings = (await (await apiFetch(peer.ui, '/api/settings')).json()) as Record<string, unknown>;
    expect(settings).not.toHaveProperty('roomPassphrase');
    expect(settings.roomPassphraseSet).toBe(false);
    const status = await (await apiFetch(peer.ui, '/api/status')).text();
    expect(status).not.toContain('"firefly"');
    for (const folder of ['/etc', '/proc/self/fd', '/sys/kernel']) {
      const response = await apiFetch(peer.ui, '/api/settings', { body: { libraries: [folder] } });
      expect(response.status, folder).toBe(422);
      expect(((await response.json()) as { error: string }).error).toMatch(/system folder/);
    }
    const surrogate = await raw(
      'POST',
      '/api/settings',
      { host: host(), ...auth(), 'content-type': 'application/json' },
      '{"name":"a\\ud800b"}',
    );
    expect(surrogate.status).toBe(400);
    expect(surrogate.body).toMatch(/surrogate/);
    const offset = await apiFetch(peer.ui, '/api/settings', { body: { outputOffsetMs: -1000 } });
    expect(offset.status).toBe(400);
    expect(await offset.text()).toMatch(/Bluetooth/);
    // Pairing management belongs to the device itself; the device's own token may use it.
    expect((await apiFetch(peer.ui, '/api/pairing/devices')).status).toBe(200);
  });

  it('answers a malformed URL with 400, not 500', async () => {
    const response = await raw('GET', '/%E0%A4%A', { host: host() });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'malformed URL' });
  });

  it('serves media in byte ranges, byte for byte', async () => {
    const file = readFileSync(path.join(musicDir, 'tone.flac'));
    const whole = await apiFetch(peer.ui, `/media/track/${trackId}`);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);
    const part = await fetch(`${peer.ui}/media/track/${trackId}`, {
      headers: { ...auth(), range: 'bytes=1000-2999' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-2999/${file.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(file.subarray(1000, 3000))).toBe(true);
    const tail = await fetch(`${peer.ui}/media/track/${trackId}`, {
      headers: { ...auth(), range: 'bytes=-100' },
    });
    expect(Buffer.from(await tail.arrayBuffer()).equals(file.subarray(file.length - 100))).toBe(true);
    const past = await fetch(`${peer.ui}/media/track/${trackId}`, {
      headers: { ...auth(), range: `bytes=${file.length}-` },
    });
    expect(past.status).toBe(416);
  });

  it('survives a fuzz of malformed requests: no 5xx, no hang, no stack trace', async () => {
    const random = seededRandom(19);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const routes = [
      ...everyRoute().map(([, r]) => r),
      '/media/track/zz',
      '/media/cover/',
      '/api/../etc/passwd',
      '/%ff',
      '/%00',
      '/api/status?x=%E0',
      `/media/track/${trackId}/x`,
      '//',
      '/assets/../../package.json',
    ];
    const bodies = [
      '',
      '{',
      '[]',
      'null',
      '{"name":{"$gt":1}}',
      '{"libraries":"/etc"}',
      '{"index":-1}',
      '{"positionSec":1e309}',
      'x'.repeat(70_000),
      '\u0000\u0001',
      '{"code":"12345a"}',
    ];
    const types = ['application/json', 'text/plain', 'application/json; charset=utf-16', ''];
    let serverErrors = 0;
    for (let i = 0; i < 400; i++) {
      const headers: Record<string, string> = { host: pick([host(), host(), 'evil.example', '[::1]:1', '']) };
      if (random() < 0.7)
        headers.authorization = pick([`Bearer ${peer.token}`, 'Bearer ', 'Basic x', `Bearer ${peer.token}x`]);
      const type = pick(types);
      if (type) headers['content-type'] = type;
      if (random() < 0.2)
        headers.range = pick(['bytes=0-', 'bytes=-0', 'bytes=5-1', 'bytes=99999999999-', 'bytes=0-0,1-1']);
      if (random() < 0.2) headers.origin = pick([peer.ui, 'null', 'http://x']);
      const response = await raw(
        pick(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']),
        pick(routes),
        headers,
        pick(bodies),
      );
      if (response.status >= 500) serverErrors++;
      expect(response.body).not.toMatch(/\n\s+at /);
    }
    expect(serverErrors).toBe(0);
    expect(peer.output()).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect((await apiFetch(peer.ui, '/api/status')).status).toBe(200);
  }, 120_000);
});

describe('a 2 GB track', () => {
  let big: TestPeer | null = null;
  let bigDir = '';
  afterAll(async () => {
    await big?.stop();
    if (big) rmSync(big.dataDir, { recursive: true, force: true });
    if (bigDir) rmSync(bigDir, { recursive: true, force: true });
  });

  /** Resident memory of a process, in MB (Linux). */
  const rssMb = (pid: number) =>
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

  it('is served whole with the peer’s memory within 200 MB of idle', async () => {
    // A WAV whose header says what its size says (3 h 23 min of 44.1 kHz stereo noise): a real 2 GB track.
    bigDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-2gb-'));
    const file = path.join(bigDir, 'long.wav');
    await writeNoiseWav(file, 2 * 1024 ** 3, 7);
    const hashed = createHash('sha256');
    for await (const piece of createReadStream(file)) hashed.update(piece as Buffer);
    const expected = hashed.digest('hex');
    const sizeBytes = statSync(file).size;

    big = await launchPeer({ name: 'big', args: ['--library', bigDir], readyTimeoutMs: 60_000 });
    const pid = big.process.pid as number;
    const [id] = await trackIdsOnceListed(big, 300_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleMb = rssMb(pid);
    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 50);
    const response = await apiFetch(big.ui, `/media/track/${id}`);
    expect(response.headers.get('content-length')).toBe(String(sizeBytes));
    const served = createHash('sha256');
    let bytes = 0;
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      served.update(piece);
      bytes += piece.length;
    }
    clearInterval(sampler);
    expect(bytes).toBe(sizeBytes);
    expect(served.digest('hex')).toBe(expected);
    console.log(`2 GB track served: idle ${idleMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB`);
    expect(peakMb - idleMb).toBeLessThan(200);
  }, 600_000);
});
