/**
 * A live source through real peers and real Chromium windows (#22): a FIFO on one peer, fed with PCM by
 * the test, played by the room; each window's engine plays the stream stamped in group time, and the
 * two windows hear the same frame at the same group time (Opus, the default codec). When the writer
 * stops the source stalls and both windows say so; when it writes again they play on, in step.
 */
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { pipeSource, waitForSource, type PipeSource } from '../test/support/live-source';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../test/support/peers';
import { windowsApartMs } from './live-apart';

type Hook = {
  lastStart: { trackId: string; sampleRate: number } | null;
  snapshot(): { status: string; trackId: string | null; positionSec: number };
  events(): { what: string }[];
  groupTimeOfFrame(frame: number): number | null;
};

let peers: TestPeer[] = [];
const browsers: Browser[] = [];
let feeding: ReturnType<typeof setInterval> | null = null;
let pipe: PipeSource | null = null;
test.afterEach(async () => {
  if (feeding) clearInterval(feeding);
  await Promise.all(browsers.splice(0).map((b) => b.close()));
  await stopPeers(peers);
  peers = [];
  pipe?.remove();
  pipe = null;
});

async function openWindow(peer: TestPeer): Promise<Page> {
  const browser = await chromium.launch(test.info().project.use.launchOptions);
  browsers.push(browser);
  const page = await browser.newPage();
  await page.goto(`${peer.ui}/?diagnostics`);
  await page.waitForFunction(() => '__fireflyAudio' in window);
  return page;
}

/** 100 ms of a 440 Hz tone, s16le stereo at 48 kHz, continuing the phase of the last block. */
function toneBlock(block: number): Buffer {
  const frames = 4800;
  const out = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const n = block * frames + i;
    const v = Math.round(Math.sin((2 * Math.PI * 440 * n) / 48_000) * 8000);
    out.writeInt16LE(v, i * 4);
    out.writeInt16LE(v, i * 4 + 2);
  }
  return out;
}

test('a pipe source plays on every window, in step', async () => {
  test.setTimeout(180_000);
  pipe = pipeSource('Line in');
  const source = await launchPeer({ name: 'source', args: ['--leader', '--source', pipe.uri] });
  peers.push(source);
  const member = await launchPeer({ name: 'member', args: ['--bootstrap', source.addrs[0] as string] });
  peers.push(member);
  const line = await waitForSource(member.ui, 'Line in');

  // Feed the FIFO in real time, as a sound card would.
  const fd = openSync(pipe.fifo, 'w');
  let block = 0;
  feeding = setInterval(() => writeSync(fd, toneBlock(block++)), 100);
  try {
    const pages = [await openWindow(source), await openWindow(member)];
    // The windows decode the Opus themselves (a window without WebCodecs would ask its peer for PCM).
    for (const page of pages) expect(await page.evaluate(() => typeof AudioDecoder)).toBe('function');
    const play = await apiFetch(member.ui, '/api/play', { body: { sourceId: line.sourceId } });
    expect(play.status).toBe(200);
    for (const page of pages) {
      await page
        .waitForFunction(
          (id) => {
            const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
            return hook.lastStart?.trackId === id && hook.snapshot().status === 'playing';
          },
          line.sourceId,
          { timeout: 60_000 },
        )
        .catch(async (error: unknown) => {
          const seen = await page.evaluate(() => {
            const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
            return { snapshot: hook.snapshot(), events: hook.events().map((e) => e.what) };
          });
          throw new Error(`a window is not playing the source: ${JSON.stringify(seen)}`, { cause: error });
        });
    }
    // Both hear one frame, a quarter second ahead of the newer one's play head, at one group time.
    const apart = () => windowsApartMs(pages);
    await expect.poll(apart, { timeout: 20_000, intervals: [500] }).toBeLessThan(1);
    console.log(`live source: windows apart by ${(await apart()).toFixed(3)} ms`);

    // The writer stops: after 2 s without PCM the source stalls, each window fades out and says so.
    if (feeding) clearInterval(feeding);
    for (const page of pages)
      await expect(page.getByTestId('np-artist')).toContainText('no sound from the source', {
        timeout: 15_000,
      });
    // It writes again: the stream resumes on every window, in step, and Now Playing says no more.
    feeding = setInterval(() => writeSync(fd, toneBlock(block++)), 100);
    for (const page of pages)
      await expect(page.getByTestId('np-artist')).not.toContainText('no sound', { timeout: 15_000 });
    await expect.poll(apart, { timeout: 20_000, intervals: [500] }).toBeLessThan(1);
    console.log(`live source after a stall: windows apart by ${(await apart()).toFixed(3)} ms`);
  } finally {
    if (feeding) clearInterval(feeding);
    feeding = null;
    closeSync(fd);
  }
});

/** One shairport-sync metadata item (`type`/`code` four characters each) with its data in base64. */
function metadataItem(type: string, code: string, data: Buffer): string {
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
  return `<item><type>${hex(type)}</type><code>${hex(code)}</code><length>${data.length}</length>\n<data encoding="base64">\n${data.toString('base64')}</data></item>\n`;
}

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

test("what a source plays, its cover included, shows in a window of another peer's", async () => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-meta-'));
  const metadata = path.join(dir, 'source.metadata');
  pipe = pipeSource('AirPlay', `metadata=${encodeURIComponent(metadata)}`);
  const source = await launchPeer({ name: 'source', args: ['--leader', '--source', pipe.uri] });
  peers.push(source);
  const member = await launchPeer({ name: 'member', args: ['--bootstrap', source.addrs[0] as string] });
  peers.push(member);
  const airplay = await waitForSource(member.ui, 'AirPlay');
  const fd = openSync(pipe.fifo, 'w');
  let block = 0;
  feeding = setInterval(() => writeSync(fd, toneBlock(block++)), 100);
  // The source peer made the metadata FIFO and reads it; opened read-write, writing never waits for it.
  await expect.poll(() => existsSync(metadata), { timeout: 10_000 }).toBe(true);
  const meta = openSync(metadata, 'r+');
  try {
    const page = await openWindow(member);
    const play = await apiFetch(member.ui, '/api/play', { body: { sourceId: airplay.sourceId } });
    expect(play.status).toBe(200);
    await expect(page.getByTestId('np-title')).toHaveText('AirPlay', { timeout: 30_000 });
    writeSync(
      meta,
      metadataItem('ssnc', 'PICT', PNG) +
        metadataItem('core', 'asar', Buffer.from('Miles Davis')) +
        metadataItem('core', 'minm', Buffer.from('Blue in Green')),
    );
    await expect(page.getByTestId('np-title')).toHaveText('Blue in Green', { timeout: 15_000 });
    await expect(page.getByTestId('np-artist')).toContainText('Miles Davis · AirPlay · Live from source');
    // The member's window shows the image its own peer fetched from the source peer.
    const cover = page.getByTestId('np-live-cover');
    await expect(cover).toHaveJSProperty('complete', true, { timeout: 15_000 });
    expect(await cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    const served = await (await apiFetch(member.ui, `/media/live-cover/${airplay.sourceId}`)).arrayBuffer();
    expect(Buffer.from(served).equals(PNG)).toBe(true);

    // The sender stops: title and cover go, the source's own name is back.
    writeSync(meta, metadataItem('ssnc', 'pend', Buffer.alloc(0)));
    await expect(page.getByTestId('np-title')).toHaveText('AirPlay', { timeout: 15_000 });
    await expect(page.getByTestId('np-live-cover')).toHaveCount(0);
  } finally {
    if (feeding) clearInterval(feeding);
    feeding = null;
    closeSync(fd);
    closeSync(meta);
    rmSync(dir, { recursive: true, force: true });
  }
});
