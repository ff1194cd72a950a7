/**
 * The desktop app's media scheme (`firefly-media://`), which Electron serves through `mediaResponse`:
 * byte ranges as the headless peer's `/media` answers them, and the CORS headers a file:// page's decoder
 * worker needs to read them (a cross-origin answer hides `content-range`, which tells the reader the size).
 */
import { describe, expect, it } from 'vitest';
import { bytesBody, type MediaBody } from '../src/main/http/range';
import { RangeReader } from '../src/renderer/audio/decoder/range-reader';
import { mediaResponse } from '../src/main/shell/desktop';

const id = 'a'.repeat(64);
const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);

function peerWith(body: MediaBody | null) {
  return { media: async (kind: string, asked: string) => (kind === 'track' && asked === id ? body : null) };
}

describe('the desktop media scheme', () => {
  it('answers ranges with the headers a cross-origin reader needs', async () => {
    const peer = peerWith(bytesBody(bytes, 'audio/mpeg'));
    const response = await mediaResponse(peer, `firefly-media://track/${id}`, 'bytes=1000-1999');
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('content-range');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes.subarray(1000, 2000));
  });

  it('is what the decoder worker reads a track through', async () => {
    const peer = peerWith(bytesBody(bytes, 'audio/mpeg'));
    const reader = new RangeReader(`firefly-media://track/${id}`, {
      fetch: async (input, init) =>
        mediaResponse(peer, String(input), new Headers(init?.headers).get('range')),
    });
    expect(await reader.size()).toBe(bytes.length);
    expect(await reader.read(250_000, 250_010)).toEqual(bytes.subarray(250_000, 250_010));
  });

  it('says 503 with Retry-After for bytes not here yet, and 404 for what it does not have', async () => {
    const arriving: MediaBody = { ...bytesBody(bytes, 'audio/mpeg'), arrival: async () => false };
    const late = await mediaResponse(peerWith(arriving), `firefly-media://track/${id}`, 'bytes=0-99');
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(late.headers.get('access-control-allow-origin')).toBe('*');
    expect((await mediaResponse(peerWith(null), `firefly-media://track/${id}`)).status).toBe(404);
    expect((await mediaResponse(peerWith(null), 'firefly-media://track/not-an-id')).status).toBe(404);
    expect((await mediaResponse({ ...peerWith(null) }, 'firefly-media://live/nope')).status).toBe(404);
  });
});
