import { describe, expect, it } from 'vitest';
import {
  decodeLiveFrame,
  encodeFlacLiveFrame,
  encodeOpusFrame,
  encodePcmFrame,
  encodeStallFrame,
  type LiveFrame,
} from '../../shared/live/frames';
import { encodeFlacFrame } from '../../shared/live/flac-encode';
import { CaptureError, CaptureSources } from './capture-sources';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function captures(init = {}) {
  let changes = 0;
  const sources = new CaptureSources(
    { peerId: 'QmPeer', changed: () => void changes++, otherSources: () => 0 },
    { stallMs: 100, abandonMs: 400, ...init },
  );
  return { sources, changes: () => changes };
}

async function collect(it: AsyncGenerator<Uint8Array>): Promise<LiveFrame[]> {
  const out: LiveFrame[] = [];
  for await (const bytes of it) {
    const f = decodeLiveFrame(bytes);
    if (f.ok) out.push(f.value);
  }
  return out;
}

describe('CaptureSources', () => {
  it('publishes a window’s frames as they are, stalls when they stop, and ends with the reason', async () => {
    const { sources } = captures();
    const { sourceId } = sources.start('Microphone', 'opus');
    expect(sourceId).toMatch(/^microphone-[0-9a-f]{12}$/);
    expect(sources.announce()).toEqual([
      { sourceId, name: 'Microphone', kind: 'capture', state: 'starting', error: null },
    ]);
    const listening = collect(sources.feed(sourceId)!.listen(new AbortController().signal));
    const packet = new Uint8Array([0xfc, 1, 2]);
    expect(
      sources.push(sourceId, [
        encodeOpusFrame(1000, 120, 840, packet),
        encodeOpusFrame(1017.5, 0, 960, packet),
      ]),
    ).toEqual({ accepted: 2 });
    expect(sources.announce()[0]?.state).toBe('running');
    await sleep(200);
    expect(sources.announce()[0]).toMatchObject({
      state: 'stalled',
      error: 'no sound from the window for 0.1 s',
    });
    sources.stop(sourceId);
    expect(await listening).toEqual([
      { type: 'opus', groupMs: 1000, skip: 120, frameCount: 840, packet },
      { type: 'opus', groupMs: 1017.5, skip: 0, frameCount: 960, packet },
      { type: 'stall', groupMs: 1037.5 },
      { type: 'end', reason: 'the capture was stopped' },
    ]);
    expect(sources.size).toBe(0);
    expect(() => sources.push(sourceId, [])).toThrow(CaptureError);
  });

  it('drops and counts frames that are malformed or not of the capture’s codec', () => {
    const { sources } = captures();
    const { sourceId } = sources.start('Line in', 'pcm');
    const pcm = encodePcmFrame(500, 48_000, new Int16Array(20));
    const broken = pcm.slice(0, 20);
    const opus = encodeOpusFrame(500, 0, 960, new Uint8Array([1]));
    expect(sources.push(sourceId, [pcm, broken, opus, encodeStallFrame(3)])).toEqual({ accepted: 1 });
    expect(sources.dropped).toEqual({ malformed: 1, wrongType: 2 });
    expect(sources.details(sourceId)).toMatchObject({ frames: 10, listeners: 0, codec: 'pcm' });
    sources.stopAll('test over');
  });

  it('takes FLAC frames that decode, and drops and counts one that does not', () => {
    const { sources } = captures();
    const { sourceId } = sources.start('Line in', 'flac');
    const pcm = Int16Array.from({ length: 2048 * 2 }, (_, i) => (i * 37) % 2000);
    const good = encodeFlacLiveFrame(500, 48_000, 2048, encodeFlacFrame(pcm, 48_000, 0));
    const damaged = good.slice();
    damaged[40]! ^= 0x01;
    const miscounted = encodeFlacLiveFrame(600, 48_000, 2000, encodeFlacFrame(pcm, 48_000, 2048));
    expect(sources.push(sourceId, [good, damaged, miscounted])).toEqual({ accepted: 1 });
    expect(sources.dropped).toEqual({ malformed: 2, wrongType: 0 });
    expect(sources.details(sourceId)).toMatchObject({ frames: 2048, codec: 'flac' });
    sources.stopAll('test over');
  });

  it('ends a capture whose window went away without saying so, and holds at most maxCaptures', async () => {
    const { sources } = captures({ maxCaptures: 2 });
    const a = sources.start('A', 'opus');
    sources.start('B', 'opus');
    expect(() => sources.start('C', 'opus')).toThrow(/already shares 2/);
    const listening = collect(sources.feed(a.sourceId)!.listen(new AbortController().signal));
    await sleep(600);
    expect(sources.size).toBe(0);
    expect(await listening).toEqual([
      { type: 'end', reason: 'the window capturing it sent nothing for 0.4 s' },
    ]);
  });
});
