import { describe, expect, it } from 'vitest';
import { decodeFlacLiveFrame } from '../../shared/live/flac-decode';
import {
  decodeLiveFrame,
  encodeFlacLiveFrame,
  encodeOpusFrame,
  type LiveFrame,
} from '../../shared/live/frames';
import { FrameFeed } from './frame-feed';
import { LiveSource } from './live-source';
import { asPcmFrames, pcmTranscodeStats } from './pcm-transcode';
import { SourceFrames } from './source-frames';
import { parseSource } from './uri';

const PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';

function setup(uri: string) {
  const source = new LiveSource(parseSource(uri, PEER, 'Den'), { groupNow: () => 0 });
  const feed = new FrameFeed();
  const frames = new SourceFrames(source, feed, { idleFlushMs: 20 });
  const seen: LiveFrame[] = [];
  const controller = new AbortController();
  const listening = (async () => {
    for await (const bytes of feed.listen(controller.signal)) {
      const frame = decodeLiveFrame(bytes);
      if (!frame.ok) throw new Error(frame.error);
      seen.push(frame.value);
    }
  })();
  const pcm = (groupMs: number, frameCount: number) =>
    source.events.emit('live:pcm', {
      groupMs,
      sampleRate: 48_000,
      pcm: Int16Array.from({ length: frameCount * 2 }, (_, i) => (i * 101) % 9000),
    });
  return { source, frames, seen, listening, pcm };
}

const kept = (frames: LiveFrame[]) => frames.reduce((n, f) => n + (f.type === 'opus' ? f.frameCount : 0), 0);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets the listener take what was published (it reads asynchronously). */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe('SourceFrames', () => {
  it('sends a paused writer’s last frames once nothing more comes, then goes on with a new run', async () => {
    const { frames, seen, listening, pcm } = setup('pipe:///tmp/x.fifo');
    pcm(1000, 1440); // 30 ms: one packet out, the rest held by the encoder
    await delivered();
    expect(kept(seen)).toBe(960 - 120);
    await settle(60);
    expect(kept(seen)).toBe(1440);
    pcm(1030, 960);
    await settle(60);
    expect(kept(seen)).toBe(2400);
    const second = seen.filter((f) => f.type === 'opus' && f.groupMs >= 1030);
    expect(second[0]).toMatchObject({ groupMs: 1030, skip: 120 });
    frames.end('the source was removed');
    await listening;
    expect(seen.at(-1)).toEqual({ type: 'end', reason: 'the source was removed' });
  });

  it('sends the held frames before a STALL', async () => {
    const { source, frames, seen, listening, pcm } = setup('pipe:///tmp/x.fifo');
    pcm(0, 500);
    source.events.emit('live:stall', { groupMs: 500 / 48 });
    await delivered();
    expect(seen.map((f) => f.type)).toEqual(['opus', 'stall']);
    expect(kept(seen)).toBe(500);
    frames.end('bye');
    await listening;
  });

  it('sends PCM as it is with codec=pcm', async () => {
    const { frames, seen, listening, pcm } = setup('pipe:///tmp/x.fifo?codec=pcm');
    pcm(10, 960);
    await delivered();
    expect(seen).toMatchObject([{ type: 'pcm', groupMs: 10, frameCount: 960 }]);
    frames.end('bye');
    await listening;
  });
});

describe('SourceFrames with codec=flac', () => {
  it('sends each packet as one FLAC frame at once, and a STALL after it', async () => {
    const { source, frames, seen, listening, pcm } = setup('pipe:///tmp/x.fifo?codec=flac');
    pcm(10, 960);
    pcm(30, 7);
    source.events.emit('live:stall', { groupMs: 30 + 7 / 48 });
    await delivered();
    expect(seen).toMatchObject([
      { type: 'flac', groupMs: 10, sampleRate: 48_000, frameCount: 960 },
      { type: 'flac', groupMs: 30, frameCount: 7 },
      { type: 'stall' },
    ]);
    const flac = seen.filter((f): f is Extract<LiveFrame, { type: 'flac' }> => f.type === 'flac');
    const first = decodeFlacLiveFrame(flac[0]!);
    expect(first.ok && Array.from(first.value.pcm.subarray(0, 4))).toEqual([0, 101, 202, 303]);
    // Decoded by the peer for a window without WebCodecs; a damaged frame is dropped and counted.
    const damaged = flac[1]!.flac.slice();
    damaged[damaged.length - 1]! ^= 0xff;
    const before = pcmTranscodeStats.undecodableFlac;
    async function* stream() {
      yield encodeFlacLiveFrame(10, 48_000, 960, flac[0]!.flac);
      yield encodeFlacLiveFrame(30, 48_000, 7, damaged);
    }
    const out: LiveFrame[] = [];
    for await (const b of asPcmFrames(stream())) {
      const f = decodeLiveFrame(b);
      if (f.ok) out.push(f.value);
    }
    expect(out).toMatchObject([{ type: 'pcm', groupMs: 10, frameCount: 960 }]);
    expect(pcmTranscodeStats.undecodableFlac).toBe(before + 1);
    frames.end('bye');
    await listening;
  });
});

describe('asPcmFrames', () => {
  it('decodes OPUS frames into PCM frames with their stamps, and drops one that does not decode', async () => {
    const { frames, seen, listening, pcm } = setup('pipe:///tmp/x.fifo');
    pcm(1000, 4800);
    frames.end('bye');
    await listening;
    const opus = seen.filter((f) => f.type === 'opus');
    const bytes = [
      ...opus.map((f) => encodeOpusFrame(f.groupMs, f.skip, f.frameCount, f.packet)),
      encodeOpusFrame(2000, 0, 960, Uint8Array.of(0xff, 0xff, 0xff)),
    ];
    const before = pcmTranscodeStats.undecodable;
    const out: LiveFrame[] = [];
    async function* source() {
      yield* bytes;
    }
    for await (const b of asPcmFrames(source())) {
      const f = decodeLiveFrame(b);
      if (f.ok) out.push(f.value);
    }
    expect(out.map((f) => (f.type === 'pcm' ? [f.groupMs, f.frameCount] : f.type))).toEqual(
      opus.map((f) => [f.groupMs, f.frameCount]),
    );
    expect(pcmTranscodeStats.undecodable).toBe(before + 1);
  });
});
