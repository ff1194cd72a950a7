/**
 * A decode that starts far into a constant-bitrate MP3 (a seek, a late join) reads the frame CBR puts
 * there instead of walking every frame header from the top, and its PCM is the same, sample for
 * sample, as a decode that walked there. Real Chromium (WebCodecs' MP3 decoder), the decoder's own
 * `TrackStream`, a small server answering byte ranges and counting what it sent.
 */
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTone } from '../test/audio/make-audio';
import { startRangeServer, type RangeServer } from '../test/support/range-server';

const decoderDir = path.resolve(import.meta.dirname, '..', 'src', 'renderer', 'audio', 'decoder');
const MINUTES = 20;

let dir = '';
let server: RangeServer | null = null;
let base = '';
let browser: Browser | null = null;
const tracks = new Map<string, Uint8Array>();

/** The page's view of `TrackStream`: decode `frames` stereo frames at 48 kHz from `startFrame`. */
interface SeekWindow {
  decode(id: string, startFrame: number, frames: number): Promise<{ pcm: number[]; firstFrame: number }>;
}

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-mp3-seek-'));
  const file = path.join(dir, 'long.mp3');
  await makeTone(file, { format: 'mp3', durationSec: MINUTES * 60, noise: true });
  const cbr = new Uint8Array(readFileSync(file));
  tracks.set('cbr', cbr);
  // The same file with its tag saying VBR ('Xing'): the decoder walks the frames as for any VBR file.
  const walk = cbr.slice();
  const at = Buffer.from(walk).indexOf('Info');
  expect(at).toBeGreaterThan(0);
  walk.set([0x58, 0x69, 0x6e, 0x67], at);
  tracks.set('walk', walk);
  const entry = await build({
    stdin: {
      contents: `
        import { TrackStream } from './track-stream';
        window.__seek = {
          async decode(id, startFrame, frames) {
            const stream = await TrackStream.open({ trackId: id, url: '/media/track/' + id, headers: {} });
            const out = [];
            let firstFrame = -1;
            for await (const chunk of stream.chunks(startFrame, 48000)) {
              if (firstFrame < 0) firstFrame = chunk.startFrame;
              for (const v of chunk.data) out.push(v);
              if (out.length >= frames * 2) break;
            }
            stream.close();
            return { pcm: out.slice(0, frames * 2), firstFrame };
          },
        };`,
      resolveDir: decoderDir,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const script = entry.outputFiles[0]!.text;
  server = await startRangeServer({
    html: '<!doctype html><script type="module" src="/seek.js"></script>',
    scripts: new Map([['/seek.js', script]]),
    prefix: '/media/track/',
    track: (name) => tracks.get(name),
  });
  base = server.base;
  browser = await chromium.launch(test.info().project.use.launchOptions);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function decode(page: Page, id: string, startFrame: number, frames: number) {
  server!.sent.delete(id);
  const result = await page.evaluate(
    ([i, s, f]) => (window as unknown as { __seek: SeekWindow }).__seek.decode(i, s, f),
    [id, startFrame, frames] as const,
  );
  return { ...result, sentBytes: server!.sent.get(id) ?? 0 };
}

test('a far start in a CBR MP3 reads its frame directly and decodes what a walk there decodes', async () => {
  test.setTimeout(120_000);
  const page = await browser!.newPage();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => '__seek' in window);
  const size = tracks.get('cbr')!.length;
  for (const sec of [400.3, (MINUTES - 1) * 60 + 17.77]) {
    const startFrame = Math.round(sec * 48_000);
    const walked = await decode(page, 'walk', startFrame, 48_000);
    const direct = await decode(page, 'cbr', startFrame, 48_000);
    expect(direct.firstFrame).toBe(startFrame);
    expect(walked.firstFrame).toBe(startFrame);
    expect(direct.pcm.length).toBe(96_000);
    // Not silence: the comparison below compares music.
    expect(Math.max(...direct.pcm.map(Math.abs))).toBeGreaterThan(0.05);
    let worst = 0;
    for (let i = 0; i < direct.pcm.length; i++)
      worst = Math.max(worst, Math.abs(direct.pcm[i]! - walked.pcm[i]!));
    expect(worst).toBe(0);
    // The walk read the file up to there; the direct start its head and what it decoded.
    console.log(
      `start at ${sec.toFixed(1)} s: walk read ${(walked.sentBytes / 1e6).toFixed(1)} MB, direct ${(direct.sentBytes / 1e6).toFixed(2)} MB of ${(size / 1e6).toFixed(1)} MB`,
    );
    expect(walked.sentBytes).toBeGreaterThan(sec * 16_000 * 0.9);
    expect(direct.sentBytes).toBeLessThan(1_000_000);
  }
  await page.close();
});
