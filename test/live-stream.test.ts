/**
 * The decoder worker's live stream against a real HTTP server: frames split across writes are
 * placed by their group time, a broken response is read again, and END ends the player's stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEndFrame, encodePcmFrame, withLengthPrefix } from '../src/shared/live/frames';
import { LiveStream } from '../src/renderer/audio/decoder/live-stream';
import type { DecoderToEngine, DecoderToPlayer } from '../src/renderer/audio/player/protocol';

let server: http.Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

const tone = (frames: number) => new Int16Array(frames * 2).fill(8192);

describe('LiveStream', () => {
  it('places PCM by group time across a broken response, and ends on END', async () => {
    const requests: (string | undefined)[] = [];
    server = http.createServer((req, res) => {
      requests.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/x-firefly-live' });
      if (requests.length === 1) {
        const frame = withLengthPrefix(encodePcmFrame(1000, 48000, tone(960)));
        // Cut mid-frame across two writes, then the connection breaks.
        res.write(frame.subarray(0, 10));
        setTimeout(() => {
          res.write(frame.subarray(10));
          setTimeout(() => res.destroy(), 50);
        }, 20);
      } else {
        res.write(withLengthPrefix(encodePcmFrame(1020, 48000, tone(960))));
        res.end(withLengthPrefix(encodeEndFrame('the source was removed')));
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const toPlayer: DecoderToPlayer[] = [];
    const toEngine: DecoderToEngine[] = [];
    const ended = new Promise<void>((resolve) => {
      const stream = new LiveStream(
        {
          type: 'open-live',
          generation: 4,
          url: `http://127.0.0.1:${port}/media/live/x`,
          headers: { authorization: 'Bearer t' },
          anchorGroupMs: 1000,
          contextRate: 48000,
        },
        {
          toPlayer: (m) => toPlayer.push(m),
          toEngine: (m) => {
            toEngine.push(m);
            if (m.type === 'live' && m.state === 'ended') resolve();
          },
          headFrame: () => null,
        },
      );
      setTimeout(() => stream.stop(), 10_000);
    });
    await ended;
    expect(requests).toEqual(['Bearer t', 'Bearer t']);
    expect(toPlayer.map((m) => (m.type === 'pcm' ? [m.generation, m.startFrame, m.data.length] : m))).toEqual(
      [[4, 0, 1920], [4, 960, 1920], { type: 'end', generation: 4, totalFrames: 1920 }],
    );
    expect(toEngine.map((m) => (m.type === 'live' ? m.state : m.type))).toEqual([
      'connecting',
      'playing',
      'connecting',
      'connecting',
      'playing',
      'ended',
    ]);
    const last = toEngine.at(-1);
    expect(last?.type === 'live' && last.detail).toBe('the source was removed');
  });
});
