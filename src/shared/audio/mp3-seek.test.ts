import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BufferSource, EncodedPacketSink, Input, MP3 } from 'mediabunny';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG } from '../../../test/audio/make-audio';
import { id3v2Size } from './mp3-gapless';
import { findFrame, frameHeaderAt, frameSearchWindow, readMp3CbrLayout, type Mp3CbrLayout } from './mp3-seek';

const run = promisify(execFile);
let dir: string;

/** `sec` seconds of a tone under noise (frames of varied content), encoded by LAME through ffmpeg. */
async function mp3(name: string, sec: number, args: string[]): Promise<Uint8Array> {
  const path = join(dir, name);
  await run(FFMPEG, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${sec}`],
    ...['-f', 'lavfi', '-i', `anoisesrc=amplitude=0.2:duration=${sec}`],
    ...['-filter_complex', 'amix=inputs=2', '-metadata', 'title=A tagged tone'],
    ...args,
    ...['-c:a', 'libmp3lame', path],
  ]);
  return new Uint8Array(await readFile(path));
}

/** Every audio frame's offset, by walking the headers from the first audio frame (the truth). */
function walk(bytes: Uint8Array, layout: Mp3CbrLayout): number[] {
  const offsets: number[] = [];
  let at = layout.firstFrameOffset;
  for (let h = frameHeaderAt(bytes, at); h; h = frameHeaderAt(bytes, at)) {
    offsets.push(at);
    at += h.frameBytes;
  }
  return offsets;
}

function locate(bytes: Uint8Array, layout: Mp3CbrLayout, index: number): number | null {
  const { start, end } = frameSearchWindow(layout, index);
  return findFrame(layout, index, bytes.subarray(start, Math.min(bytes.length, end)), start);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firefly-mp3-seek-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('CBR MP3 seeking', () => {
  for (const { name, args, kbps, rate } of [
    { name: 'cbr-128k-44k.mp3', args: ['-ac', '2', '-ar', '44100', '-b:a', '128k'], kbps: 128, rate: 44_100 },
    { name: 'cbr-320k-48k.mp3', args: ['-ac', '2', '-ar', '48000', '-b:a', '320k'], kbps: 320, rate: 48_000 },
    // MPEG-2 (576 samples a frame), mono.
    {
      name: 'cbr-32k-22k-mono.mp3',
      args: ['-ac', '1', '-ar', '22050', '-b:a', '32k'],
      kbps: 32,
      rate: 22_050,
    },
  ]) {
    it(`finds every 97th frame exactly where the walk does (${name})`, async () => {
      const bytes = await mp3(name, 75, args);
      const layout = readMp3CbrLayout(bytes.subarray(0, 128 * 1024), id3v2Size(bytes));
      expect(layout).not.toBeNull();
      expect(layout!.bitrateKbps).toBe(kbps);
      expect(layout!.sampleRate).toBe(rate);
      const truth = walk(bytes, layout!);
      expect(truth.length).toBeGreaterThan(1000);
      for (let k = 0; k < truth.length; k += 97) expect(locate(bytes, layout!, k)).toBe(truth[k]);
      expect(locate(bytes, layout!, truth.length - 1)).toBe(truth.at(-1));
    });
  }

  it('demuxes the same packets from a found frame as a walk from the top does', async () => {
    const bytes = await mp3('same-packets.mp3', 60, ['-ac', '2', '-ar', '44100', '-b:a', '128k']);
    const layout = readMp3CbrLayout(bytes.subarray(0, 128 * 1024), id3v2Size(bytes))!;
    const whole = new Input({ formats: [MP3], source: new BufferSource(bytes) });
    const wholePackets = new EncodedPacketSink((await whole.getPrimaryAudioTrack())!);
    const k = 1800;
    const offset = locate(bytes, layout, k)!;
    const part = new Input({ formats: [MP3], source: new BufferSource(bytes.subarray(offset)) });
    const partPackets = new EncodedPacketSink((await part.getPrimaryAudioTrack())!);
    let a = await wholePackets.getPacket((k * layout.samplesPerFrame) / layout.sampleRate);
    let b = await partPackets.getFirstPacket();
    expect(a!.timestamp).toBeCloseTo((k * layout.samplesPerFrame) / layout.sampleRate, 6);
    expect(b!.timestamp).toBe(0);
    for (let i = 0; i < 20; i++) {
      expect(Array.from(b!.data)).toEqual(Array.from(a!.data));
      a = await wholePackets.getNextPacket(a!);
      b = await partPackets.getNextPacket(b!);
    }
  });

  it('leaves VBR and untagged files to the walk', async () => {
    for (const [name, args] of [
      ['vbr.mp3', ['-ac', '2', '-q:a', '2']],
      ['untagged.mp3', ['-ac', '2', '-b:a', '128k', '-write_xing', '0']],
    ] as const) {
      const bytes = await mp3(name, 10, [...args]);
      expect(readMp3CbrLayout(bytes.subarray(0, 128 * 1024), id3v2Size(bytes))).toBeNull();
    }
  });

  it('refuses a frame that bytes inserted into the stream moved from where CBR puts it', async () => {
    const clean = await mp3('clean.mp3', 40, ['-ac', '2', '-ar', '44100', '-b:a', '128k']);
    const layout = readMp3CbrLayout(clean.subarray(0, 128 * 1024), id3v2Size(clean))!;
    const truth = walk(clean, layout);
    // 1000 bytes of junk after frame 500: frames before it are found, frames after it are refused.
    const cut = truth[500]!;
    const spliced = new Uint8Array(clean.length + 1000);
    spliced.set(clean.subarray(0, cut));
    spliced.set(clean.subarray(cut), cut + 1000);
    expect(locate(spliced, layout, 400)).toBe(truth[400]);
    for (const k of [600, 1000, 1400]) expect(locate(spliced, layout, k)).toBeNull();
    // Beyond the tag's frame count there is no frame to find.
    expect(locate(clean, layout, layout.frames)).toBeNull();
  });
});
