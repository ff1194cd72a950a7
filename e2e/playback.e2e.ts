/**
 * Synchronized playback through real peers and real Chromium windows: one window per peer, each playing through its
 * own AudioEngine. Each window reports the group time at which a given sample of the track reaches its output;
 * the windows must agree within 1 ms, through play, pause, resume, seek, next, a late joiner and a killed leader.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { makeTone } from '../test/audio/make-audio';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../test/support/peers';
import { agreeOnLeader, waitForStatuses } from '../test/support/status';

interface Window {
  peer: TestPeer;
  page: Page;
}

let peers: TestPeer[] = [];
const browsers: Browser[] = [];
test.afterEach(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close()));
  await stopPeers(peers);
  peers = [];
});

/** Opens the peer's UI in a browser process of its own, as on a separate PC. */
async function openWindow(peer: TestPeer): Promise<Window> {
  const browser = await chromium.launch(test.info().project.use.launchOptions);
  browsers.push(browser);
  const page = await browser.newPage();
  await page.goto(`${peer.ui}/?diagnostics`);
  await page.waitForFunction(() => 'fireflyAudio' in window || '__fireflyAudio' in window);
  return { peer, page };
}

type Hook = {
  lastStart: { trackId: string; sampleRate: number } | null;
  starts: number;
  corrections: number;
  snapshot(): { status: string; trackId: string | null; positionSec: number };
  events(): { what: string }[];
  groupTimeOfFrame(frame: number): number | null;
};

/** Waits until every window plays `trackId`; a window that does not says what its engine did. */
async function waitPlaying(windows: Window[], trackId: string): Promise<void> {
  for (const w of windows) {
    await w.page
      .waitForFunction(
        (id) => {
          const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
          return hook.lastStart?.trackId === id && hook.snapshot().status === 'playing';
        },
        trackId,
        { timeout: 60_000 },
      )
      .catch(async (error: unknown) => {
        const seen = await w.page.evaluate(() => {
          const hook = (window as unknown as { __fireflyAudio?: Hook }).__fireflyAudio;
          return hook ? { snapshot: hook.snapshot(), events: hook.events().map((e) => e.what) } : null;
        });
        throw new Error(`${w.peer.name}'s window is not playing: ${JSON.stringify(seen)}`, { cause: error });
      });
  }
}

/** The group time at which the sample `atSec` into the current track reaches each window's output. */
async function outputTimes(windows: Window[], atSec: number): Promise<number[]> {
  return Promise.all(
    windows.map((w) =>
      w.page.evaluate((sec) => {
        const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
        const rate = hook.lastStart?.sampleRate ?? 48_000;
        return hook.groupTimeOfFrame(Math.round(sec * rate));
      }, atSec),
    ),
  ).then((times) => times.map((t) => t ?? NaN));
}

/**
 * How far apart the windows hear one sample, polled until under 1 ms. The sample is a quarter second
 * ahead of the playhead: the engine answers exactly for frames after its last rate nudge, so a frame
 * already played (after a slow late join, say) is no measure, and one far ahead would add the current
 * rate nudge (up to 500 ppm) over the whole distance.
 */
async function expectInSync(windows: Window[]): Promise<number> {
  let judged = NaN;
  const spread = async () => {
    const positions = await Promise.all(
      windows.map((w) =>
        w.page.evaluate(
          () => (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.snapshot().positionSec,
        ),
      ),
    );
    const times = await outputTimes(windows, Math.max(...positions) + 0.25);
    const apart = Math.max(...times) - Math.min(...times);
    // Kept only when it passes: a reading the poll gave up waiting for may still land after it.
    if (apart < 1) judged = apart;
    return apart;
  };
  // The engines' output clocks settle over their first second of running; measure after that.
  await expect.poll(spread, { timeout: 20_000, intervals: [500] }).toBeLessThan(1);
  // The reading that passed (a fresh one would be another measurement, not the one judged).
  return judged;
}

const post = (peer: TestPeer, route: string, body?: unknown) =>
  apiFetch(peer.ui, `/api/${route}`, { method: 'POST', body: body ?? {} }).then(async (r) => {
    if (!r.ok) throw new Error(`${route}: ${r.status} ${await r.text()}`);
  });

test('three windows play as one; a late joiner aligns; the leader dies and the music goes on', async () => {
  test.setTimeout(240_000);
  const library = mkdtempSync(path.join(os.tmpdir(), 'firefly-e2e-lib-'));
  // Long enough that a slow late join (a loaded CI machine) still finds Alpha playing, and Beta outlasts the failover.
  await makeTone(path.join(library, 'a.mp3'), {
    format: 'mp3',
    durationSec: 90,
    frequencyHz: 330,
    noise: true,
    tags: { title: 'Alpha', artist: 'Sync', track: 1 },
  });
  await makeTone(path.join(library, 'b.ogg'), {
    format: 'ogg',
    durationSec: 60,
    frequencyHz: 550,
    noise: true,
    tags: { title: 'Beta', artist: 'Sync', track: 2 },
  });

  // The first peer holds the music; the others fetch it from the room. The third leads.
  const holder = await launchPeer({ name: 'holder', args: ['--library', library, '--priority', '1'] });
  const seed = holder.addrs.find((a) => a.includes('/127.0.0.1/')) as string;
  const middle = await launchPeer({ name: 'middle', args: ['--bootstrap', seed, '--priority', '2'] });
  const leader = await launchPeer({ name: 'leader', args: ['--bootstrap', seed, '--priority', '3'] });
  peers = [holder, middle, leader];
  await waitForStatuses(
    peers.map((p) => p.ui),
    (s) => agreeOnLeader(s, leader.peerId),
    { what: 'a leader' },
  );
  // Every peer must know both tracks: a play loads the leader's listing around the track into the queue.
  const trackIds = async (peer: TestPeer) =>
    ((await (await apiFetch(peer.ui, '/api/tracks')).json()) as Array<{ trackId: string }>).map(
      (t) => t.trackId,
    );
  for (const peer of peers) await expect.poll(() => trackIds(peer), { timeout: 30_000 }).toHaveLength(2);
  const [alpha, beta] = await trackIds(middle);

  const windows = await Promise.all(peers.map((p) => openWindow(p)));

  // Play from a follower: every window starts the same track at the same group time.
  await post(middle, 'play', { trackId: alpha });
  await waitPlaying(windows, alpha as string);
  console.log(`play: windows apart by ${(await expectInSync(windows)).toFixed(3)} ms`);

  // Pause and resume.
  await post(holder, 'pause');
  for (const w of windows)
    await w.page.waitForFunction(
      () => (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.snapshot().status === 'paused',
    );
  await post(leader, 'resume');
  await waitPlaying(windows, alpha as string);
  console.log(`resume: windows apart by ${(await expectInSync(windows)).toFixed(3)} ms`);

  // Seek.
  await post(middle, 'seek', { positionSec: 25 });
  await expect
    .poll(() =>
      windows[0]?.page.evaluate(
        () => (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.snapshot().positionSec,
      ),
    )
    .toBeGreaterThan(24);
  console.log(`seek: windows apart by ${(await expectInSync(windows)).toFixed(3)} ms`);

  // A fourth peer joins mid-track and lines up with the others.
  const late = await launchPeer({ name: 'late', args: ['--bootstrap', seed] });
  peers.push(late);
  const lateWindow = await openWindow(late);
  windows.push(lateWindow);
  await waitPlaying(windows, alpha as string);
  console.log(`late join: windows apart by ${(await expectInSync(windows)).toFixed(3)} ms`);

  // Next track.
  await post(late, 'next');
  await waitPlaying(windows, beta as string);
  console.log(`next: windows apart by ${(await expectInSync(windows)).toFixed(3)} ms`);

  // Kill the leader mid-track: the others keep playing without a restart (a new start of the track), still
  // together. (An engine's own re-positions within the play are corrections, not restarts.)
  const survivors = windows.filter((w) => w.peer !== leader);
  const restarts = () =>
    Promise.all(
      survivors.map((w) =>
        w.page.evaluate(() => (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.starts),
      ),
    );
  const startsBefore = await restarts();
  await leader.stop('SIGKILL');
  await waitForStatuses(
    survivors.map((w) => w.peer.ui),
    (s) => agreeOnLeader(s, middle.peerId),
    { what: 'a new leader' },
  );
  for (const w of survivors) {
    await expect
      .poll(() =>
        w.page.evaluate(
          () => (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.snapshot().status,
        ),
      )
      .toBe('playing');
  }
  const startsAfter = await restarts();
  if (startsAfter.some((n, i) => n !== startsBefore[i])) {
    for (const w of survivors) {
      const events = await w.page.evaluate(() =>
        (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio.events().map((e) => e.what),
      );
      console.log(`${w.peer.name}: ${events.slice(-12).join(' | ')}`);
    }
  }
  expect(startsAfter).toEqual(startsBefore);
  console.log(`after failover: windows apart by ${(await expectInSync(survivors)).toFixed(3)} ms`);
});
