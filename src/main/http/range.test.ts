import { describe, expect, it } from 'vitest';
import {
  MediaStalledError,
  bytesBody,
  mediaHead,
  parseRange,
  rangeArrived,
  readArriving,
  type MediaBody,
} from './range';

describe('byte ranges', () => {
  it('reads the forms a media player sends', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 100 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 1000 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 1000 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 1000 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 1000 });
  });

  it('serves the whole file for what it does not serve, and 416 past the end', () => {
    expect(parseRange(undefined, 1000)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeNull();
    expect(parseRange('items=0-1', 1000)).toBeNull();
    expect(parseRange('bytes=5-1', 1000)).toBeNull();
    expect(parseRange('bytes=-', 1000)).toBeNull();
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
  });

  it('answers with the right status and headers', async () => {
    const body = bytesBody(new Uint8Array([1, 2, 3, 4, 5]), 'image/png');
    expect(mediaHead(body, undefined)).toMatchObject({ status: 200, headers: { 'content-length': '5' } });
    const partial = mediaHead(body, 'bytes=1-2');
    expect(partial).toMatchObject({
      status: 206,
      range: { start: 1, end: 3 },
      headers: { 'content-range': 'bytes 1-2/5', 'content-length': '2' },
    });
    expect(mediaHead(body, 'bytes=9-')).toMatchObject({
      status: 416,
      headers: { 'content-range': 'bytes */5' },
    });
    const pieces: number[] = [];
    for await (const piece of body.read({ start: 1, end: 3 }, { signal: new AbortController().signal }))
      pieces.push(...piece);
    expect(pieces).toEqual([2, 3]);
  });

  it('sends a range of a file still arriving piece by piece as each is stored, and stops on a stall', async () => {
    const file = Uint8Array.from({ length: 400 }, (_, i) => i & 0xff);
    // Stored in pieces of 100 bytes; a piece arrives when the test says so.
    const stored = new Set([0]);
    const arrivals: { start: number; resolve: (arrived: boolean) => void }[] = [];
    const asked: string[] = [];
    const body: MediaBody = {
      ...bytesBody(file, 'audio/mpeg'),
      arrival: (range) => {
        asked.push(`${range.start}-${range.end}`);
        return new Promise((resolve) => arrivals.push({ start: range.start, resolve }));
      },
      storedUntil: (offset) => {
        let end = offset;
        while (end < 400 && stored.has(Math.floor(end / 100))) end = Math.floor(end / 100) * 100 + 100;
        return end;
      },
    };
    const options = { signal: new AbortController().signal, waitMs: 1000 };
    const pieces = readArriving(body, { start: 50, end: 350 }, options)[Symbol.asyncIterator]();
    // What is stored goes out at once.
    expect(Array.from((await pieces.next()).value as Uint8Array)).toEqual(Array.from(file.slice(50, 100)));
    const next = pieces.next();
    await new Promise((r) => setTimeout(r, 10));
    // The rest of the range is asked for; the answer waits for its next piece only.
    expect(asked).toEqual(['100-350']);
    stored.add(1).add(2);
    arrivals.shift()!.resolve(true);
    expect(((await next).value as Uint8Array).length).toBe(200);
    const stalled = pieces.next();
    await new Promise((r) => setTimeout(r, 10));
    arrivals.shift()!.resolve(false);
    await expect(stalled).rejects.toThrow(MediaStalledError);
    // A file that is all here is read as is.
    const whole: number[] = [];
    for await (const piece of readArriving(bytesBody(file, 'audio/mpeg'), { start: 390, end: 400 }, options))
      whole.push(...piece);
    expect(whole).toEqual(Array.from(file.slice(390, 400)));
  });

  it('asks a file still arriving for the start of a byte range, and for all of a whole-file request', async () => {
    const asked: { whole: boolean | undefined; waitMs: number }[] = [];
    const body: MediaBody = {
      ...bytesBody(new Uint8Array(100), 'audio/mpeg'),
      arrival: (_range, options) => (
        asked.push({ whole: options.whole, waitMs: options.waitMs }),
        Promise.resolve(true)
      ),
    };
    const signal = new AbortController().signal;
    expect(await rangeArrived(body, { start: 10, end: 100 }, true, signal)).toBe(true);
    expect(await rangeArrived(body, { start: 0, end: 100 }, false, signal)).toBe(true);
    expect(asked.map((a) => a.whole)).toEqual([false, true]);
  });
});
