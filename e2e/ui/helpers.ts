/** Shared set-up for the UI tests: music folders made of real audio files, rooms of headless peers, and windows on them. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { copyInto, testAudio } from '../../test/audio/make-audio';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../../test/support/peers';
import { agreeOnLeader, getStatus, waitForStatuses } from '../../test/support/status';

/** Titles of the files `musicFolder` copies (tags written by make-audio). */
export const TITLES = ['MP3 Tone', 'FLAC Tone', 'OGG Tone', 'WAV Tone', 'Covered', 'Long Noise'] as const;

const folders: string[] = [];

/** A temp folder holding six real, tagged audio files (one with cover art, one 40 s long). */
export async function musicFolder(): Promise<string> {
  const audio = await testAudio();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-ui-music-'));
  folders.push(dir);
  await copyInto(dir, [
    audio.tones.mp3,
    audio.tones.flac,
    audio.tones.ogg,
    audio.tones.wav,
    audio.withCover,
    audio.longMp3,
  ]);
  return dir;
}

/** Removes the music folders made so far. */
export function removeMusicFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Peers `startRoom` started (or a test handed to `stopAfterTest`), stopped after each test. */
const started: TestPeer[] = [];

/**
 * Windows `openWindow` opened, by the test that opened them. The `browser` fixture lives as long as the
 * worker, and a page left open keeps its audio engine, its decoder and its reconnecting bridge running: a
 * whole suite's worth of them loaded the machine. They are closed after each test of a file that calls
 * `stopRoomsAfterEach`, and in any case when a later test opens its first window. (A hook declared here,
 * at import, would run for the first file that imports this module only.)
 */
const windows: { testId: string; page: Page }[] = [];

/** Closes the windows `openWindow` opened, except those of the test `keepTestId`. */
export async function closeWindows(keepTestId?: string): Promise<void> {
  const closing = windows.filter((w) => w.testId !== keepTestId);
  windows.splice(0, windows.length, ...windows.filter((w) => w.testId === keepTestId));
  await Promise.all(closing.map((w) => w.page.close().catch(() => undefined)));
}

/** Stops a peer the test launched itself after the test, with the rooms'. */
export function stopAfterTest(peer: TestPeer): TestPeer {
  started.push(peer);
  return peer;
}

/** Call once in a test file: after each test, closes its windows, stops the peers `startRoom` started and removes the music folders. */
export function stopRoomsAfterEach(): void {
  test.afterEach(async () => {
    await closeWindows();
    await stopPeers(started.splice(0));
    removeMusicFolders();
  });
}

/** Starts a room: the first peer holds `library` and leads; the others bootstrap to it. Waits until all agree. */
export async function startRoom(names: string[], library: string | null): Promise<TestPeer[]> {
  const [first, ...rest] = names;
  const leader = stopAfterTest(
    await launchPeer({
      name: first as string,
      args: [...(library ? ['--library', library] : []), '--priority', '50'],
    }),
  );
  const others = await Promise.all(
    rest.map(async (name) =>
      stopAfterTest(await launchPeer({ name, args: ['--bootstrap', leader.addrs[0] as string] })),
    ),
  );
  const peers = [leader, ...others];
  await waitForStatuses(
    peers.map((p) => p.ui),
    (s) => agreeOnLeader(s, leader.peerId) && s.every((x) => x.members.length >= peers.length - 1),
    { timeoutMs: 60_000, what: 'the room to form' },
  );
  return peers;
}

/** Opens a window on a peer and waits until it shows the peer's identity and `tracks` tracks. */
export async function openWindow(
  browser: Browser,
  peer: TestPeer,
  { tracks, query = '' }: { tracks?: number; query?: string } = {},
): Promise<Page> {
  const testId = test.info().testId;
  await closeWindows(testId);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  windows.push({ testId, page });
  await page.goto(`${peer.ui}/${query}`);
  await expect(page.getByTestId('peer-name')).toHaveText(peer.name);
  if (tracks !== undefined)
    await expect(page.getByTestId('library-count')).toHaveText(new RegExp(`^${tracks} tracks?`));
  return page;
}

/** Waits until the peer's library lists `count` tracks (its own scan, or the room's catalog). */
export async function waitForTracks(peer: TestPeer, count: number): Promise<void> {
  await expect
    .poll(async () => ((await (await apiFetch(peer.ui, '/api/tracks')).json()) as unknown[]).length, {
      timeout: 60_000,
      message: `${peer.name} lists ${count} tracks`,
    })
    .toBe(count);
}

/** The room's queue as titles, read from the peer's API (the truth the UI must match). */
export async function queueTitles(peer: TestPeer): Promise<string[]> {
  const [state, tracks] = await Promise.all([
    apiFetch(peer.ui, '/api/state').then((r) => r.json() as Promise<{ queue: string[] }>),
    apiFetch(peer.ui, '/api/tracks').then(
      (r) => r.json() as Promise<Array<{ trackId: string; title: string }>>,
    ),
  ]);
  return state.queue.map((id) => tracks.find((t) => t.trackId === id)?.title ?? id);
}

export { getStatus };
