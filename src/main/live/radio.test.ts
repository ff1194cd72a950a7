/**
 * Internet radio through a real local station (HTTP, MP3 made by ffmpeg, ICY metadata) and the real
 * ffmpeg: the title arrives in the source's state, PCM flows, a station that ends the stream is
 * reconnected, and a station or ffmpeg that cannot work is a clear error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSourceAnnounce } from '../../shared/live/sources';
import { LiveSource } from './live-source';
import { startStation, type Station } from './testing/icy-station';
import { parseSource } from './uri';

const PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const ffmpeg = process.env.FIREFLY_FFMPEG ?? 'ffmpeg';
const hasFfmpeg = spawnSync(ffmpeg, ['-version']).status === 0;
let mp3 = new Uint8Array(0);
let station: Station | null = null;
let source: LiveSource | null = null;

beforeAll(() => {
  if (!hasFfmpeg) return;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'firefly-radio-')), 'tone.mp3');
  const made = spawnSync(ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'],
    ...['-ac', '2', '-ar', '44100', '-b:a', '128k', file],
  ]);
  if (made.status !== 0) throw new Error(`ffmpeg could not make the test MP3: ${String(made.stderr)}`);
  mp3 = readFileSync(file);
});

afterEach(async () => {
  source?.stop();
  source = null;
  await station?.close();
  station = null;
});

function radio(url: string, init: { ffmpeg?: string } = {}) {
  const spec = parseSource(`${url}#name=Test%20radio`, PEER, 'Den');
  const states: LiveSourceAnnounce[] = [];
  let frames = 0;
  source = new LiveSource(
    spec,
    { groupNow: () => performance.timeOrigin + performance.now() },
    {
      firstBackoffMs: 100,
      ...init,
    },
  );
  source.events.on('live:state', (s) => states.push(s));
  source.events.on('live:pcm', (p) => (frames += p.pcm.length >> 1));
  source.start();
  return { source, states, frames: () => frames };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!hasFfmpeg)('radio sources (ffmpeg present)', () => {
  it('plays an MP3 station and shows its ICY title', async () => {
    station = await startStation({
      file: mp3,
      bytesPerSec: 16_000,
      metaInt: 4000,
      titles: ['Artist - Song'],
    });
    const r = radio(station.url);
    await until('the title arrives', () => r.source.info().title === 'Artist - Song');
    await until('half a second of PCM', () => r.frames() > 24_000);
    expect(r.source.info()).toMatchObject({
      kind: 'http',
      name: 'Test radio',
      state: 'running',
      error: null,
    });
    expect(r.states.some((s) => s.title === 'Artist - Song')).toBe(true);
  });

  it('reconnects when the station ends the stream', async () => {
    station = await startStation({ file: mp3, bytesPerSec: 32_000, titles: ['A'], endAfterBytes: 8000 });
    const r = radio(station.url);
    await until('a reconnection', () => (station?.connections ?? 0) >= 2 && r.source.restarts >= 1);
    expect(r.states.some((s) => /ended the stream; reconnecting in/.test(s.error ?? ''))).toBe(true);
  });

  it('says what a station that refuses answered', async () => {
    station = await startStation({ file: mp3, bytesPerSec: 16_000, titles: [], status: 404 });
    const r = radio(station.url);
    await until('it fails', () => r.source.info().state === 'failed');
    expect(r.source.info().error).toMatch(/answered HTTP 404; reconnecting in/);
  });
});

describe('radio sources without ffmpeg', () => {
  it('says ffmpeg is missing, and keeps trying', async () => {
    const r = radio('http://127.0.0.1:9/stream', { ffmpeg: '/nonexistent/ffmpeg' });
    await until('it fails', () => r.source.info().state === 'failed');
    expect(r.source.info().error).toMatch(/needs ffmpeg.*not found/);
  });
});
