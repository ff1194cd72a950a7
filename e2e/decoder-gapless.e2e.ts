/**
 * The decoder worker's gapless output in real Chromium (mediabunny + WebCodecs), without a player or
 * a sound card: one continuous 440 Hz sine cut into 5 files, as FLAC and as LAME MP3, decoded part by
 * part as the engine asks for a playing track and the one placed after it. Each part must end exactly
 * at its number of frames (the `end` the player hands over at) and its PCM must be the sine's frames
 * at that part's place: a lost last block, a wrong encoder-delay trim or padding left in shows as a
 * length or an offset here, frame-exactly, where the acoustic test (`acoustic/gapless-acoustic`) hears
 * its effect.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRangeServer, type RangeServer } from '../test/support/range-server';

const RATE = 48_000;
/** The acoustic test's parts: about 2.4 s each, no whole block or MP3 frame. */
const PARTS = [115_500, 96_017, 120_003, 101_700, 110_999];
const TOTAL = PARTS.reduce((a, b) => a + b, 0);
const SINE = `sine=frequency=440:sample_rate=${RATE}`;

let dir = '';
let server: RangeServer | null = null;
let base = '';
let browser: Browser | null = null;
/** The left channel of the whole sine, as ffmpeg makes it for the parts (upmixed to stereo alike). */
let reference = new Float32Array(0);

/** The page: decodes parts through the worker, answering its PCM with play heads as the player does. */
const PAGE = `
window.decodeParts = async (tracks) => {
  const worker = new Worker('/decoder-worker.js', { type: 'module' });
  const channel = new MessageChannel();
  worker.postMessage({ type: 'player-port', port: channel.port2 }, [channel.port2]);
  const failures = [];
  const infos = new Map();
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'info') infos.get(m.info.trackId)?.();
    if (m.type === 'error' || m.type === 'unsupported') failures.push(m.reason ?? m.message);
  };
  const parts = tracks.map(() => ({ chunks: [], end: null }));
  const ended = tracks.map(() => null);
  channel.port1.onmessage = (e) => {
    const m = e.data;
    const part = parts[m.generation - 1];
    if (m.type === 'pcm') {
      const left = new Float32Array(m.data.length >> 1);
      for (let i = 0; i < left.length; i++) left[i] = m.data[2 * i];
      part.chunks.push({ startFrame: m.startFrame, left });
      channel.port1.postMessage({ type: 'playhead', generation: m.generation, headFrame: m.startFrame });
    } else if (m.type === 'end') {
      part.end = m.totalFrames;
      ended[m.generation - 1]?.();
    }
  };
  for (const [i, { trackId, url }] of tracks.entries()) {
    // The first part is opened cold; the others are probed first, as the engine does, and start from their head.
    if (i > 0) {
      const probed = new Promise((resolve) => infos.set(trackId, resolve));
      worker.postMessage({ type: 'probe', trackId, url, headers: {}, contextRate: ${RATE} });
      await probed;
    }
    const done = new Promise((resolve) => (ended[i] = resolve));
    worker.postMessage({
      type: 'open', generation: i + 1, trackId, url, headers: {}, startFrame: 0, contextRate: ${RATE},
      keep: i > 0 ? [i] : [],
    });
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30000))]);
  }
  worker.terminate();
  return {
    failures,
    parts: parts.map((p) => {
      const frames = p.chunks.reduce((n, c) => Math.max(n, c.startFrame + c.left.length), 0);
      const left = new Float32Array(frames);
      let gaps = 0;
      let next = 0;
      for (const c of p.chunks.sort((a, b) => a.startFrame - b.startFrame)) {
        if (c.startFrame !== next) gaps++;
        left.set(c.left, c.startFrame);
        next = c.startFrame + c.left.length;
      }
      return { end: p.end, frames, gaps, left: Array.from(left) };
    }),
  };
};
`;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-decoder-gapless-'));
  const ffmpeg = (args: string[]): Buffer =>
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', ...args], { maxBuffer: 64 * 1024 * 1024 });
  let start = 0;
  for (const [i, length] of PARTS.entries()) {
    const cut = `${SINE},atrim=start_sample=${start}:end_sample=${start + length}`;
    ffmpeg(['-i', cut, '-ac', '2', '-c:a', 'flac', path.join(dir, `part${i + 1}.flac`)]);
    ffmpeg(['-i', cut, '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '320k', path.join(dir, `part${i + 1}.mp3`)]);
    start += length;
  }
  const raw = ffmpeg(['-i', `${SINE},atrim=end_sample=${TOTAL}`, '-ac', '2', '-f', 'f32le', '-']);
  const stereo = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  reference = new Float32Array(stereo.length / 2).map((_, i) => stereo[2 * i]!);

  const worker = await build({
    entryPoints: [path.resolve(import.meta.dirname, '..', 'src/renderer/audio/decoder/decoder-worker.ts')],
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const scripts = new Map([
    ['/page.js', PAGE],
    ['/decoder-worker.js', worker.outputFiles[0]!.text],
  ]);
  const parts = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir))
    if (/^part\d\.(flac|mp3)$/.test(name)) parts.set(name, readFileSync(path.join(dir, name)));
  server = await startRangeServer({
    html: '<!doctype html><script src="/page.js"></script>',
    scripts,
    prefix: '/',
    track: (name) => parts.get(name),
  });
  base = server.base;
  browser = await chromium.launch(test.info().project.use.launchOptions);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface DecodedPart {
  end: number | null;
  frames: number;
  gaps: number;
  left: number[];
}

/** Largest |decoded − reference| over decoded frames [from, to) of a part that starts at `partStart`, shifted by `lag`. */
function maxError(left: number[], partStart: number, from: number, to: number, lag: number): number {
  let worst = 0;
  for (let n = from; n < to; n++) {
    const want = reference[partStart + n + lag] ?? 0;
    worst = Math.max(worst, Math.abs(left[n]! - want));
  }
  return worst;
}

/** The shift (within ±40 frames, under half the sine's period) that fits frames [from, to) best. */
function bestLag(left: number[], partStart: number, from: number, to: number): number {
  let best = { lag: 0, error: Infinity };
  for (let lag = -40; lag <= 40; lag++) {
    const error = maxError(left, partStart, from, to, lag);
    if (error < best.error) best = { lag, error };
  }
  return best.lag;
}

async function decodeAll(ext: string): Promise<DecodedPart[]> {
  const page = await browser!.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`${base}/`);
  // The 5 parts, then the first again (a replay: by then the worker has closed it to keep 3 open).
  const tracks = [...PARTS.keys(), 0].map((i) => ({
    trackId: `part${i + 1}`,
    url: `${base}/part${i + 1}.${ext}`,
  }));
  const result = await page.evaluate(
    (u) =>
      (
        window as unknown as {
          decodeParts(
            u: { trackId: string; url: string }[],
          ): Promise<{ failures: string[]; parts: DecodedPart[] }>;
        }
      ).decodeParts(u),
    tracks,
  );
  await page.close();
  expect(result.failures).toEqual([]);
  return result.parts;
}

for (const [label, ext, edgeError] of [
  // FLAC is lossless: the frames are the sine's to 16-bit rounding.
  ['FLAC', 'flac', 1e-4],
  // MP3 codes a cut sine with some noise near the cut (measured up to 0.008 of the 0.088 amplitude);
  // a frame too many or too few at a start is the sine's step (0.005) on every frame.
  ['LAME MP3', 'mp3', 0.02],
] as const) {
  test(`a sine cut into 5 ${label} files decodes to each part's exact frames at its place`, async () => {
    const parts = await decodeAll(ext);
    let partStart = 0;
    for (const [i, length] of PARTS.entries()) {
      const part = parts[i]!;
      const middle = [Math.round(length * 0.25), Math.round(length * 0.75)] as const;
      const lag = bestLag(part.left, partStart, ...middle);
      const head = maxError(part.left, partStart, 0, 2000, 0);
      const tail = maxError(part.left, partStart, length - 2000, length, 0);
      console.log(
        `${label} part ${i + 1}: end ${part.end} of ${length}, ${part.frames} frames sent, offset ${lag}, ` +
          `largest error first/last 2000 frames ${head.toFixed(5)}/${tail.toFixed(5)}, middle ${maxError(part.left, partStart, ...middle, 0).toFixed(5)}`,
      );
      expect(part.end, `part ${i + 1}'s end`).toBe(length);
      expect(part.frames, `part ${i + 1}'s frames sent`).toBe(length);
      expect(part.gaps).toBe(0);
      expect(lag, `part ${i + 1}'s offset in the sine`).toBe(0);
      expect(maxError(part.left, partStart, ...middle, 0)).toBeLessThan(label === 'FLAC' ? 1e-4 : 1e-3);
      expect(head, `part ${i + 1}'s first frames`).toBeLessThan(edgeError);
      expect(tail, `part ${i + 1}'s last frames`).toBeLessThan(edgeError);
      partStart += length;
    }
    const replay = parts[PARTS.length]!;
    expect(replay.end, 'the first part played again').toBe(PARTS[0]);
    expect(replay.left).toEqual(parts[0]!.left);
  });
}
