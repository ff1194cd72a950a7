import { describe, expect, it } from 'vitest';
import { MediaReadError, RangeReader } from './range-reader';

// The renderer layer may not use Node's http, so the server is a fetch function answering as the peer
// does: ranges (206), no ranges (200), "not arrived yet" (503), missing (404).
const file = Uint8Array.from({ length: 10_000 }, (_, i) => i & 0xff);
const base = 'http://peer.test';
let pendingAsks = 0;
const seen: string[] = [];

const serve: typeof fetch = async (input, init) => {
  const url = new URL(String(input)).pathname;
  const headers = new Headers(init?.headers);
  seen.push(`${url} ${headers.get('range') ?? ''} ${headers.get('authorization') ?? ''}`);
  if (url === '/missing') return new Response(null, { status: 404 });
  if (url === '/arriving' && pendingAsks-- > 0)
    return new Response(null, { status: 503, headers: { 'retry-after': '0' } });
  const range = /^bytes=(\d+)-(\d+)$/.exec(headers.get('range') ?? '');
  if (url === '/whole' || !range) return new Response(file.slice(), { status: 200 });
  const start = Number(range[1]);
  const end = Math.min(Number(range[2]), file.length - 1);
  return new Response(file.slice(start, end + 1), {
    status: 206,
    headers: { 'content-range': `bytes ${start}-${end}/${file.length}` },
  });
};

describe('RangeReader', () => {
  it('reads the size and ranges by byte-range requests, with the given headers', async () => {
    const reader = new RangeReader(`${base}/track`, {
      headers: { authorization: 'Bearer t' },
      fetch: serve,
      headBytes: 1000,
    });
    expect(await reader.size()).toBe(10_000);
    expect(seen.at(-1)).toBe('/track bytes=0-999 Bearer t');
    expect(Array.from(await reader.read(5_300, 5_304))).toEqual([180, 181, 182, 183]);
    expect(reader.bytesRead).toBe(1004);
    expect(seen.at(-1)).toBe('/track bytes=5300-5303 Bearer t');
  });

  it('answers reads inside the head from the one head request', async () => {
    const reader = new RangeReader(`${base}/track`, { fetch: serve, headBytes: 1000 });
    const asked = seen.length;
    const [size, a, b] = await Promise.all([reader.size(), reader.read(300, 304), reader.read(990, 1000)]);
    expect(size).toBe(10_000);
    expect(Array.from(a)).toEqual([44, 45, 46, 47]);
    expect(b.length).toBe(10);
    expect(seen.length - asked).toBe(1);
    // A read that runs past the head is a range request of its own.
    expect(Array.from(await reader.read(998, 1002))).toEqual([230, 231, 232, 233]);
    expect(seen.length - asked).toBe(2);
  });

  it('serves a file shorter than the head from the head', async () => {
    const reader = new RangeReader(`${base}/track`, { fetch: serve });
    const asked = seen.length;
    expect(Array.from(await reader.read(9_998, 10_000))).toEqual([14, 15]);
    expect(await reader.size()).toBe(10_000);
    expect(seen.length - asked).toBe(1);
  });

  it('keeps the whole body of a server that ignores ranges, and asks once', async () => {
    const reader = new RangeReader(`${base}/whole`, { fetch: serve });
    const asked = seen.length;
    expect(await reader.size()).toBe(10_000);
    expect(Array.from(await reader.read(9_998, 10_000))).toEqual([14, 15]);
    expect(seen.length - asked).toBe(1);
  });

  it('waits for bytes that have not arrived yet (503) and then reads them', async () => {
    pendingAsks = 3;
    const reader = new RangeReader(`${base}/arriving`, { retryMs: 10, fetch: serve });
    expect(Array.from(await reader.read(1, 3))).toEqual([1, 2]);
  });

  it('fails with the status on a missing track', async () => {
    const reader = new RangeReader(`${base}/missing`, { fetch: serve });
    await expect(reader.size()).rejects.toThrow(MediaReadError);
    await expect(reader.read(0, 1)).rejects.toThrow(/HTTP 404/);
  });

  it('answers a read inside the head as soon as its bytes are here, before the rest of the head', async () => {
    // A head whose body comes in pieces the test lets through.
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const asked: string[] = [];
    const slow: typeof fetch = async (_input, init) => {
      asked.push(new Headers(init?.headers).get('range') ?? '');
      return new Response(new ReadableStream<Uint8Array>({ start: (c) => void (body = c) }), {
        status: 206,
        headers: { 'content-range': `bytes 0-3999/${file.length}` },
      });
    };
    const reader = new RangeReader(`${base}/track`, { fetch: slow, headBytes: 4000 });
    expect(await reader.size()).toBe(10_000);
    body.enqueue(file.slice(0, 1500));
    expect(Array.from(await reader.read(1000, 1003))).toEqual([232, 233, 234]);
    let late: number[] | null = null;
    const waiting = reader.read(2000, 2002).then((b) => (late = Array.from(b)));
    await new Promise((r) => setTimeout(r, 20));
    expect(late).toBeNull();
    body.enqueue(file.slice(1500, 4000));
    body.close();
    await waiting;
    expect(late).toEqual([208, 209]);
    expect(asked).toEqual(['bytes=0-3999']);
    expect(reader.bytesRead).toBe(4000);
  });

  it('fails the reads waiting on a head cut short (worth asking again), and asks for the head again', async () => {
    let asks = 0;
    let first!: ReadableStreamDefaultController<Uint8Array>;
    const cut: typeof fetch = async () => {
      asks++;
      const body =
        asks === 1 ? new ReadableStream<Uint8Array>({ start: (c) => void (first = c) }) : file.slice(0, 4000);
      return new Response(body, { status: 206, headers: { 'content-range': `bytes 0-3999/${file.length}` } });
    };
    const reader = new RangeReader(`${base}/track`, { fetch: cut, headBytes: 4000 });
    const size = reader.size();
    await size;
    first.enqueue(file.slice(0, 1000));
    expect(Array.from(await reader.read(0, 2))).toEqual([0, 1]);
    const waiting = reader.read(3000, 3002).catch((e: unknown) => e);
    first.close();
    const error = await waiting;
    expect(error).toBeInstanceOf(MediaReadError);
    expect((error as MediaReadError).status).toBeNull();
    expect((error as Error).message).toMatch(/short answer: 1000 of 4000 bytes/);
    expect(Array.from(await reader.read(3000, 3002))).toEqual([184, 185]);
    expect(asks).toBe(2);
  });
});
