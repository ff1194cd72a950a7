import { describe, expect, it } from 'vitest';
import { bytesBody, mediaHead, parseRange } from './range';

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
});
