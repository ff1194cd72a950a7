/**
 * Renders the main screens to docs/screenshots/*.png (`npx tsx scripts/screenshots.ts`).
 *
 * Starts three headless peers on loopback with a generated library (real audio files with tags
 * and cover art, made with ffmpeg), opens a Chromium window on each, plays a track, and
 * captures the library, now playing, room and settings screens in light and dark, plus the
 * library with the generated 50,000-track fixture. Run `npx electron-vite build` first: the
 * peers serve the built renderer from out/renderer.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../test/support/peers';
import { agreeOnLeader, waitForStatuses } from '../test/support/status';
import type { RoomTrack } from '../src/shared/bridge/payloads';
import { FFMPEG, makeTone } from '../test/audio/make-audio';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'docs', 'screenshots');
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const VIEWPORT = { width: 1440, height: 900 };

interface AlbumRecipe {
  artist: string;
  album: string;
  colors: [string, string];
  titles: string[];
}

/** Two small collections, one per music-holding peer. */
const collections: AlbumRecipe[][] = [
  [
    {
      artist: 'Lumen Park',
      album: 'Amber Signals',
      colors: ['#ff9a3c', '#7a1f5c'],
      titles: ['Glow Theory', 'Late Trains', 'Amber Signals', 'Paper Moons', 'Slow Static'],
    },
    {
      artist: 'Nora Halloran',
      album: 'Northern Orchard',
      colors: ['#2ec4b6', '#1b3a6b'],
      titles: ['Orchard Song', 'Cold Harbour', 'Lanterns', 'Meadowlark'],
    },
  ],
  [
    {
      artist: 'The Glass Engines',
      album: 'Midnight Satellites',
      colors: ['#6a5af9', '#0b0f2b'],
      titles: ['Satellites', 'Neon Tides', 'Comet Tail', 'Hollow Radio', 'Afterglow'],
    },
    {
      artist: 'Kito Mori',
      album: 'Velvet Windows',
      colors: ['#f72585', '#3a0ca3'],
      titles: ['Velvet', 'Open Windows', 'Summer Static'],
    },
  ],
];

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** A square gradient cover with the album's name on it. */
async function makeCover(outPath: string, recipe: AlbumRecipe): Promise<void> {
  const label = recipe.album.replace(/'/g, '').replace(/:/g, ' ');
  const [c0, c1] = recipe.colors;
  await run(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `gradients=s=500x500:c0=${c0}:c1=${c1}:x0=0:y0=0:x1=500:y1=500:nb_colors=2:duration=1:rate=1`,
    '-vf',
    `drawtext=fontfile=${FONT}:text='${label}':fontcolor=white@0.92:fontsize=38:x=36:y=h-th-40`,
    '-frames:v',
    '1',
    outPath,
  ]);
}

/** Makes (once, cached in the temp dir) the music folders for the two peers that hold music. */
async function makeLibraries(): Promise<string[]> {
  const base = path.join(tmpdir(), 'firefly-screenshot-music-v2');
  const dirs = collections.map((_, i) => path.join(base, `peer-${i + 1}`));
  if (await exists(path.join(base, 'complete'))) return dirs;
  await rm(base, { recursive: true, force: true });
  let freq = 220;
  for (const [i, albums] of collections.entries()) {
    const dir = dirs[i] as string;
    await mkdir(dir, { recursive: true });
    for (const recipe of albums) {
      const cover = path.join(base, `${recipe.album}.png`);
      await makeCover(cover, recipe);
      await Promise.all(
        recipe.titles.map((title, n) =>
          makeTone(path.join(dir, `${recipe.artist} - ${String(n + 1).padStart(2, '0')} ${title}.mp3`), {
            format: 'mp3',
            durationSec: 150 + ((n * 37) % 90),
            frequencyHz: (freq += 20),
            tags: { title, artist: recipe.artist, album: recipe.album, track: n + 1 },
            coverPng: cover,
          }),
        ),
      );
    }
  }
  await run('touch', [path.join(base, 'complete')]);
  return dirs;
}

async function api(peer: TestPeer, route: string, body?: unknown): Promise<unknown> {
  const response = await apiFetch(peer.ui, route, body === undefined ? {} : { method: 'POST', body });
  const json = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) throw new Error(`${route}: ${JSON.stringify(json)}`);
  return json;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function openWindow(browser: Browser, url: string, theme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: theme, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForFunction(() => {
    const name = document.querySelector('[data-testid=peer-name]')?.textContent;
    return !!name && name !== 'Connecting…';
  });
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let fonts, covers and the last status push settle into the frame.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file });
  process.stdout.write(`wrote ${path.relative(root, file)}\n`);
}

async function main(): Promise<void> {
  if (!(await exists(path.join(root, 'out', 'renderer', 'index.html'))))
    throw new Error('out/renderer is missing: run npx electron-vite build');
  await mkdir(outDir, { recursive: true });
  const [musicA, musicB] = await makeLibraries();
  const peers: TestPeer[] = [];
  let browser: Browser | null = null;
  try {
    const leader = await launchPeer({
      name: 'Living Room',
      args: ['--library', musicA as string, '--priority', '50'],
    });
    peers.push(leader);
    const bootstrap = ['--bootstrap', leader.addrs[0] as string];
    peers.push(
      ...(await Promise.all([
        launchPeer({ name: 'Kitchen', args: ['--library', musicB as string, ...bootstrap] }),
        launchPeer({ name: 'Studio', args: [...bootstrap, '--priority', '10'] }),
      ])),
    );
    const uis = peers.map((p) => p.ui);
    await waitForStatuses(
      uis,
      (s) => agreeOnLeader(s, leader.peerId) && s.every((x) => x.members.length >= 2),
      { timeoutMs: 60_000, what: 'a room of three' },
    );
    const total = collections.flat().reduce((n, a) => n + a.titles.length, 0);
    const tracks = await waitFor('the whole catalog on every peer', async () => {
      const lists = (await Promise.all(peers.map((p) => api(p, '/api/tracks')))) as RoomTrack[][];
      return lists.every((l) => l.length === total) ? (lists[0] as RoomTrack[]) : null;
    });

    // A queue and a track well into its play, so the player bar and queue look lived in.
    const byTitle = (t: string) => tracks.find((x) => x.title === t) as RoomTrack;
    await api(leader, '/api/play', { trackId: byTitle('Glow Theory').trackId });
    await api(leader, '/api/queue/clear', {});
    await api(leader, '/api/queue', {
      trackIds: ['Satellites', 'Orchard Song', 'Velvet', 'Late Trains', 'Neon Tides', 'Lanterns'].map(
        (t) => byTitle(t).trackId,
      ),
    });
    await api(leader, '/api/play', { trackId: byTitle('Satellites').trackId });
    await waitForStatuses(uis, (s) => s.every((x) => x.playback.state === 'playing'), {
      what: 'playback everywhere',
    });
    await api(leader, '/api/seek', { positionSec: 74 });

    browser = await chromium.launch({
      executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
    // Kitchen holds half the music (covers served locally) and follows the leader's clock.
    const viewer = peers[1] as TestPeer;
    for (const theme of ['dark', 'light'] as const) {
      const page = await openWindow(browser, viewer.ui, theme);
      await page.getByTestId('np-title').filter({ hasText: 'Satellites' }).waitFor();
      await page.getByTestId('track-row').first().waitFor();
      await page.getByTestId('track-row').filter({ hasText: 'Orchard Song' }).click();
      await shoot(page, `library-${theme}`);

      await page.getByTestId('nav-queue').click();
      await page.getByTestId('queue-item').first().waitFor();
      await shoot(page, `now-playing-${theme}`);

      await page.getByTestId('nav-room').click();
      await page.locator('[data-testid=peers-table] tbody tr').nth(2).waitFor();
      // The window's audio engine reports its sync error once it plays; show it when it comes in time.
      await page
        .getByTestId('self-sync')
        .filter({ hasText: 'from group time' })
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
      await shoot(page, `room-${theme}`);

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('device-name').waitFor();
      await shoot(page, `settings-${theme}`);

      await page.keyboard.press('?');
      await page.getByTestId('shortcuts-dialog').getByRole('heading').waitFor();
      await shoot(page, `shortcuts-${theme}`);
      await page.close();
    }

    const fixture = await openWindow(browser, `${viewer.ui}/?fixture=50000`, 'dark');
    await fixture.getByTestId('library-count').filter({ hasText: '50,000' }).waitFor();
    await fixture.getByTestId('track-list').evaluate((el) => (el.scrollTop = 52 * 23_456));
    await fixture
      .getByTestId('track-row')
      .filter({ has: fixture.locator('.col-index', { hasText: /^23,?45[89]$/ }) })
      .first()
      .waitFor();
    await fixture.getByTestId('track-row').nth(4).click();
    await shoot(fixture, 'library-50k-dark');
  } finally {
    await browser?.close();
    await stopPeers(peers);
  }
}

await main();
