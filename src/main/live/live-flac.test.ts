/**
 * A FLAC source (`codec=flac`) between two real libp2p nodes on loopback: PCM written into the source
 * peer's FIFO reaches the member as FLAC frames whose decoded PCM is, frame for frame, exactly what
 * was written (lossless), decoded by Firefly's decoder, by the member's PCM transcoding (a window
 * without WebCodecs) and by ffmpeg alike; and it takes about half of PCM's bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFlacLiveFrame } from '../../shared/live/flac-decode';
import { flacStreamHeader } from '../../shared/live/flac-encode';
import { decodeLiveFrame, type LiveFrame } from '../../shared/live/frames';
import { musicLike } from '../../shared/live/testing/music';
import type { PeerNode } from '../net/node';
import { deriveRoom } from '../net/room';
import { TestNet, portOf, waitFor } from '../net/testing/helpers';
import { FrameFeed } from './frame-feed';
import { LiveRelay } from './live-relay';
import { LiveServer } from './live-server';
import { LiveSource } from './live-source';
import { asPcmFrames } from './pcm-transcode';
import { SourceFrames } from './source-frames';
import { parseSource } from './uri';

const net = new TestNet();
let source: PeerNode;
let member: PeerNode;
let dir: string;
beforeAll(async () => {
  const room = await deriveRoom('live-flac-test');
  source = await net.node({ room });
  member = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(source)}`] });
  await waitFor(() => member.connectedPeers().includes(source.peerId), 'the member connected');
  dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-live-flac-'));
});
afterAll(async () => {
  await net.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Tones with a little noise, different on each side (44.1 kHz stereo s16, as AirPlay sends). */
function music(frames: number): Int16Array {
  const out = musicLike(frames, 64, 9);
  // Full scale at the ends of the range: lossless means these too.
  out.set([32767, -32768, -32768, 32767], 100);
  return out;
}

const joined = (parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

describe('a FLAC live source', () => {
  it('reaches another peer as FLAC that decodes to exactly the PCM written', async () => {
    const fifo = path.join(dir, 'airplay.fifo');
    const spec = parseSource(
      `pipe://${fifo}?name=AirPlay&format=s16le:44100:2&codec=flac`,
      source.peerId,
      'Room',
    );
    expect(spec.codec).toBe('flac');
    const feed = new FrameFeed();
    const live = new LiveSource(spec, { groupNow: () => performance.timeOrigin + performance.now() });
    const frames = new SourceFrames(live, feed);
    const server = new LiveServer({ node: source, feed: (id) => (id === spec.sourceId ? feed : null) });
    await server.start();
    live.start();
    const relay = new LiveRelay({ node: member, protocol: server.protocol });
    const windows = new AbortController();
    const received: LiveFrame[] = [];
    const transcoded: LiveFrame[] = [];
    void (async () => {
      for await (const bytes of relay.listen(source.peerId, spec.sourceId, windows.signal)) {
        const frame = decodeLiveFrame(bytes);
        if (frame.ok) received.push(frame.value);
      }
    })();
    void (async () => {
      const stream = asPcmFrames(relay.listen(source.peerId, spec.sourceId, windows.signal));
      for await (const bytes of stream) {
        const frame = decodeLiveFrame(bytes);
        if (frame.ok) transcoded.push(frame.value);
      }
    })();
    await waitFor(() => server.stats().listeners === 1, 'the member listens');

    const written = music(66_150);
    // Written from libuv's thread pool: the FIFO's reader is this process's event loop.
    await writeFile(fifo, new Uint8Array(written.buffer));
    const count = (list: LiveFrame[], type: 'flac' | 'pcm') =>
      list.reduce((n, f) => n + (f.type === type ? f.frameCount : 0), 0);
    await waitFor(
      () => count(received, 'flac') >= 66_150 && count(transcoded, 'pcm') >= 66_150,
      'every frame written, both ways',
      20_000,
    );

    const flacFrames = received.filter((f): f is Extract<LiveFrame, { type: 'flac' }> => f.type === 'flac');
    // Packets of 20 ms at 44.1 kHz, stamped end to end.
    expect(flacFrames[0]?.frameCount).toBe(882);
    for (let i = 1; i < flacFrames.length; i++)
      expect(flacFrames[i]!.groupMs - flacFrames[i - 1]!.groupMs).toBeCloseTo(
        (flacFrames[i - 1]!.frameCount * 1000) / 44_100,
        3,
      );
    const decoded = flacFrames.map((f) => {
      const pcm = decodeFlacLiveFrame(f);
      if (!pcm.ok) throw new Error(pcm.error);
      return pcm.value.pcm;
    });
    expect(Array.from(joined(decoded))).toEqual(Array.from(written));
    // The member's PCM for a window without WebCodecs: the same samples and stamps.
    const pcmFrames = transcoded.filter((f): f is Extract<LiveFrame, { type: 'pcm' }> => f.type === 'pcm');
    expect(pcmFrames.map((f) => f.groupMs)).toEqual(flacFrames.map((f) => f.groupMs));
    expect(Array.from(joined(pcmFrames.map((f) => f.pcm)))).toEqual(Array.from(written));
    // ffmpeg, another FLAC implementation, reads the frames as a stream and gets the same bytes.
    const file = Buffer.concat([flacStreamHeader(44_100, 9600), ...flacFrames.map((f) => f.flac)]);
    const ffmpeg = spawnSync(
      process.env.FIREFLY_FFMPEG ?? 'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'flac', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'],
      { input: file, maxBuffer: 64 << 20 },
    );
    expect(ffmpeg.status).toBe(0);
    expect(Buffer.compare(ffmpeg.stdout, Buffer.from(written.buffer))).toBe(0);
    // Lossless at well under PCM's bytes (this signal: about 60 %).
    const flacBytes = flacFrames.reduce((n, f) => n + f.flac.length + 15, 0);
    console.log(`FLAC live: ${flacBytes} B for ${written.byteLength} B of PCM`);
    expect(flacBytes).toBeLessThan(written.byteLength * 0.75);

    windows.abort();
    relay.stop();
    frames.end('test over');
    live.stop();
    await server.stop();
  });
});
