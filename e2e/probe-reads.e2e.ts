/**
 * A probe (the decoder's "ready to start": the track opened and its first `HEAD_SEC` decoded) asks the
 * server for one byte range, whatever the track's length: every further request is a round trip
 * through the browser and the host peer on the path from a play command to the first sound (30-300 ms
 * each on a busy 2-core machine, and a track still arriving from another peer waits for its chunks on
 * each). Real Chromium (WebCodecs' MP3 decoder), the decoder's own `TrackStream` and `TrackHead`, a
 * small server answering byte ranges and listing the requests.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTone } from '../test/audio/make-audio';
import { bundleForPage } from '../test/support/page-bundle';
import { startRangeServer, type RangeServer } from '../test/support/range-server';

const decoderDir = path.resolve(import.meta.dirname, '..', 'src', 'renderer', 'audio', 'decoder');
const LENGTHS_MIN = [3, 10];

let dir = '';
let server: RangeServer | null = null;
let browser: Browser | null = null;
const tracks = new Map<string, Uint8Array>();

/** The page's view of a probe: opens `id` and decodes its head at 48 kHz. */
interface ProbeWindow {
  probe(id: string): Promise<{ frames: number; headSec: number; openMs: number; decodeMs: number }>;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-probe-reads-'));
  for (const minutes of LENGTHS_MIN) {
    const file = path.join(dir, `${minutes}.mp3`);
    await makeTone(file, { format: 'mp3', durationSec: minutes * 60, noise: true });
    tracks.set(`${minutes}min`, new Uint8Array(readFileSync(file)));
  }
  const script = await bundleForPage(
    `
        import { TrackStream } from './track-stream';
        import { HEAD_SEC, TrackHead } from './track-head';
        window.__probe = {
          async probe(id) {
            const began = performance.now();
            const stream = await TrackStream.open({ trackId: id, url: '/media/track/' + id, headers: {} });
            const opened = performance.now();
            const head = await TrackHead.decode(stream, 48000, HEAD_SEC * 48000);
            const decodeMs = performance.now() - opened;
            await head.close();
            stream.close();
            return { frames: head.endFrame, headSec: HEAD_SEC, openMs: opened - began, decodeMs };
          },
        };`,
    decoderDir,
  );
  server = await startRangeServer({
    html: '<!doctype html><script type="module" src="/probe.js"></script>',
    scripts: new Map([['/probe.js', script]]),
    prefix: '/media/track/',
    track: (name) => tracks.get(name),
  });
  browser = await chromium.launch(test.info().project.use.launchOptions);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a probe decodes the head of an MP3 from one range request, whatever its length', async () => {
  const page = await browser!.newPage();
  await page.goto(`${server!.base}/`);
  await page.waitForFunction(() => '__probe' in window);
  for (const minutes of LENGTHS_MIN) {
    const id = `${minutes}min`;
    const before = server!.requests.length;
    const probe = await page.evaluate(
      (i) => (window as unknown as { __probe: ProbeWindow }).__probe.probe(i),
      id,
    );
    const asked = server!.requests.slice(before).filter((r) => r.startsWith(`${id} `));
    console.log(
      `${minutes} min: opened in ${probe.openMs.toFixed(1)} ms, its first ${probe.headSec} s decoded in ` +
        `${probe.decodeMs.toFixed(1)} ms; asked ${asked.join(', ')}`,
    );
    expect(probe.frames).toBeGreaterThanOrEqual(probe.headSec * 48_000);
    expect(asked).toHaveLength(1);
  }
  await page.close();
});
