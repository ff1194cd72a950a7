/**
 * Two real Firefly peers heard through an acoustic rig: one holds the music, the other fetches
 * it through the swarm, and each peer's web UI runs in a Chromium process of its own whose
 * sound goes to its own channel of the rig. Shared by the acoustic peers test and the sync
 * benchmark; everything is driven from outside, through the HTTP API and the diagnostics hook.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AcousticRig } from './rig';
import type { RoomTrack } from '../../../src/shared/bridge/payloads';
import type { PlaybackState } from '../../../src/shared/playback/state';
import { priorityWrapper, raiseAudioPriority } from './harness';
import { behindProxy, type NetemProxy } from '../netem-proxy';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../peers';
import { agreeOnLeader, waitForStatuses } from '../status';
import { startReadingsSampler } from './readings-sampler';

type SpeakerChannel = 'stereo' | 'left' | 'right' | 'mono';

/** What the pages' `window.__fireflyAudio` offers that this module reads. */
interface HookView {
  lastStart: { trackId: string; groupTimeMs: number; offsetSec: number } | null;
  starts: number;
  snapshot(): { status: string; trackId: string | null; syncErrorMs: number | null };
  groupNow(): { groupMs: number } | null;
  outputClock(): { driftPpm: number } | null;
  context(): { state: string; currentTime: number } | null;
  events(): { atMs: number; what: string }[];
}

export interface PeerRoomOptions {
  rig: AcousticRig;
  /** Folder the holder scans. */
  libraryDir: string;
  /** Extra flags for the holder (channel 0) and the follower (channel 1). */
  holderArgs?: string[];
  followerArgs?: string[];
  /**
   * The link between the peers: each behind a delaying proxy of its own, announcing only the proxy's
   * address (so every byte between them crosses a proxy; `PeerRoom.proxies` count them). Direct if absent.
   */
  link?: { delayMs: number; bytesPerSec?: number };
  /** Each peer's channel setting, applied through POST /api/settings before its UI opens. */
  channels?: [SpeakerChannel, SpeakerChannel];
  /** How long each page's AudioContext must have run before the room is used (s). */
  settleSec?: number;
  /** A sink of the rig's daemon each page plays into instead of its channel (a hidden delay on the way, #23). */
  sinks?: [string | null, string | null];
  /** Each page keeps its raw output readings from the moment it opens (`readings-sampler.ts`). */
  sampleReadings?: boolean;
  log?: (line: string) => void;
}

/** One page's view of the music right now. */
export interface PagePlayback {
  status: string;
  trackId: string | null;
  /** Track position heard now (s), from the last start and the page's group clock; null when not playing. */
  positionSec: number | null;
  syncErrorMs: number | null;
  starts: number;
  /** The page's group time minus its `performance.timeOrigin + now()` (ms): comparable across pages of one machine. */
  groupMinusLocalMs: number | null;
  /** The drift of the page's output clock map (ppm), or null without a map. */
  outputDriftPpm: number | null;
}

/** Worst sync error the pages reported while waiting, and how many times their sources restarted. */
export interface WatchReport {
  maxSyncErrorMs: number;
  restarts: number;
  /** Follower page's group clock minus the holder page's, sampled while waiting (ms): how far their clocks disagree. */
  clockDiffsMs: number[];
  /**
   * Each page's group time minus its own clock, sampled while waiting (ms): [holder, follower]. Where the
   * leader's clock is this machine's (an unshifted holder leads), the truth is 0 for both, so this is each
   * page's own group clock error, both hops included.
   */
  groupErrorsMs?: [number[], number[]];
  /**
   * Each engine's reported sync error (ms, positive: its source runs ahead, so it is heard early) sampled while
   * waiting: [holder, follower]. Their view of the acoustic offset (follower − holder) is holder − follower.
   */
  syncErrorsMs: [number[], number[]];
  /** Each page's output clock map drift (ppm) at each poll: [holder, follower]. */
  driftsPpm?: [number[], number[]];
  /** The engines' starts and corrections during the stretch, when asked for ([holder, follower]). */
  events?: [string[], string[]];
}

export interface PeerRoom {
  /** Holds the library and leads the room; heard on channel 0. */
  holder: TestPeer;
  /** Fetches tracks through the swarm; heard on channel 1. */
  follower: TestPeer;
  pages: [Page, Page];
  /** The proxies in front of the holder and the follower, with `link`; empty without. */
  proxies: NetemProxy[];
  /** The room's tracks as the follower lists them. */
  tracks(): Promise<RoomTrack[]>;
  /** Sends a command; resolves with the time it was sent (ms, performance.timeOrigin + now()). */
  command(peer: TestPeer, route: string, body?: unknown): Promise<number>;
  state(): Promise<PlaybackState>;
  /** What each page plays right now. */
  playback(): Promise<[PagePlayback, PagePlayback]>;
  /** Waits until both pages play `trackId` from a start whose offset is at least `fromSec`. */
  waitPlaying(trackId: string, fromSec?: number, timeoutMs?: number): Promise<void>;
  /** Waits until both pages report paused. */
  waitPaused(timeoutMs?: number): Promise<void>;
  /** Waits until the holder's page has played past `positionSec`, watching both pages' sync reports. */
  waitPosition(
    positionSec: number,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<WatchReport>;
  /** Each page's engine events since `sinceEpochMs` (Date.now() time), as "+seconds what" ([holder, follower]). */
  events(sinceEpochMs: number): Promise<[string[], string[]]>;
  close(): Promise<void>;
}

/** Writes `files` (name → bytes) to a new temp folder; returns its path. */
export function writeLibrary(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-acoustic-lib-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
  return dir;
}

const post = async (ui: string, route: string, body?: unknown) => {
  const response = await apiFetch(ui, `/api/${route}`, { method: 'POST', body: body ?? {} });
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status} ${await response.text()}`);
};

const getJson = async <T>(ui: string, route: string): Promise<T> => {
  const response = await apiFetch(ui, `/api/${route}`);
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};

/**
 * Starts the holder and the follower, waits until they agree on the holder as leader, the follower
 * lists every track and has a clock estimate, sets each one's channel, and opens each UI in a
 * Chromium of its own whose AudioContext has run for `settleSec`.
 */
export async function startPeerRoom(options: PeerRoomOptions): Promise<PeerRoom> {
  const log = options.log ?? (() => {});
  const peers: TestPeer[] = [];
  const browsers: Browser[] = [];
  const proxies: NetemProxy[] = [];
  const wrapperDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-room-'));
  const close = async () => {
    await Promise.all(browsers.splice(0).map((b) => b.close().catch(() => undefined)));
    await stopPeers(peers.splice(0));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    rmSync(wrapperDir, { recursive: true, force: true });
  };
  try {
    // The holder gets the higher priority, so the clock flags given to the follower skew a follower, not group time.
    const link = options.link;
    const [holderRoute, followerRoute] = link
      ? await Promise.all([0, 1].map(() => behindProxy(link.delayMs, link.bytesPerSec)))
      : [null, null];
    for (const route of [holderRoute, followerRoute]) if (route) proxies.push(route.proxy);
    const holder = await launchPeer({
      name: 'holder',
      args: [
        ...['--library', options.libraryDir, '--priority', '2'],
        ...(holderRoute?.args ?? []),
        ...(options.holderArgs ?? []),
      ],
    });
    peers.push(holder);
    const seed = holderRoute?.addr ?? holder.addrs.find((a) => a.includes('/127.0.0.1/'));
    if (!seed) throw new Error(`holder has no loopback address: ${holder.addrs.join(', ')}`);
    const follower = await launchPeer({
      name: 'follower',
      args: [
        ...['--bootstrap', seed, '--priority', '1'],
        ...(followerRoute?.args ?? []),
        ...(options.followerArgs ?? []),
      ],
    });
    peers.push(follower);
    await waitForStatuses([holder.ui, follower.ui], (s) => agreeOnLeader(s, holder.peerId), {
      what: 'the holder as leader',
      timeoutMs: 60_000,
    });
    await waitForStatuses([follower.ui], (s) => s[0]?.clock != null, {
      what: 'a clock estimate on the follower',
      timeoutMs: 60_000,
    });
    const holderTracks = await waitFor(
      () => getJson<RoomTrack[]>(holder.ui, 'tracks'),
      (t) => t.length > 0,
      60_000,
      'the holder scanning its library',
    );
    await waitFor(
      () => getJson<RoomTrack[]>(follower.ui, 'tracks'),
      (t) => t.length >= holderTracks.length,
      60_000,
      'the follower listing every track',
    );
    const [left, right] = options.channels ?? ['left', 'right'];
    await post(holder.ui, 'settings', { channel: left });
    await post(follower.ui, 'settings', { channel: right });
    log(
      `peers ready: holder ${holder.ui} (${left}), follower ${follower.ui} (${right}) ${(options.followerArgs ?? []).join(' ')}`,
    );

    const pages: Page[] = [];
    const executable = priorityWrapper(process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium', wrapperDir);
    for (const [i, peer] of [holder, follower].entries()) {
      const launch = options.rig.chromiumFor(i, executable);
      const sink = options.sinks?.[i] ?? options.rig.pulse.channelSinks[i]!;
      const browser = await chromium.launch({ ...launch, env: { ...launch.env, PULSE_SINK: sink } });
      browsers.push(browser);
      // A small window: a speaker's UI need not paint much, and painting competes with the audio for the CPU.
      const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
      page.on('pageerror', (e) => log(`[${peer.name}] page error: ${e.message}`));
      await page.goto(`${peer.ui}/?diagnostics`);
      if (options.sampleReadings) await page.evaluate(startReadingsSampler);
      await raiseAudioPriority(sink);
      pages.push(page);
    }
    const settleSec = options.settleSec ?? 3;
    for (const page of pages) {
      await page.waitForFunction(
        (settle) => {
          const hook = (window as unknown as { __fireflyAudio?: HookView }).__fireflyAudio;
          const ctx = hook?.context();
          return (
            !!hook &&
            !!ctx &&
            ctx.state === 'running' &&
            ctx.currentTime > settle &&
            hook.outputClock() !== null &&
            hook.groupNow() !== null
          );
        },
        settleSec,
        // The page's audio must first run `settleSec`; then a minute for everything else.
        { polling: 100, timeout: (settleSec + 60) * 1000 },
      );
    }
    const [holderPage, followerPage] = pages as [Page, Page];

    const playback = async () =>
      (await Promise.all(pages.map((p) => p.evaluate(readPlayback)))) as [PagePlayback, PagePlayback];
    return {
      holder,
      follower,
      pages: [holderPage, followerPage],
      proxies,
      tracks: () => getJson<RoomTrack[]>(follower.ui, 'tracks'),
      command: async (peer, route, body) => {
        const sentAtMs = performance.timeOrigin + performance.now();
        await post(peer.ui, route, body);
        return sentAtMs;
      },
      state: () => getJson<PlaybackState>(holder.ui, 'state'),
      playback,
      waitPlaying: async (trackId, fromSec = 0, timeoutMs = 30_000) => {
        await waitFor(
          playback,
          (ps) =>
            ps.every(
              (p) =>
                p.status === 'playing' &&
                p.trackId === trackId &&
                p.positionSec !== null &&
                p.positionSec >= fromSec - 0.5,
            ),
          timeoutMs,
          `both pages playing ${trackId} from ${fromSec} s`,
        );
      },
      waitPaused: async (timeoutMs = 30_000) => {
        await waitFor(
          playback,
          (ps) => ps.every((p) => p.status === 'paused'),
          timeoutMs,
          'both pages paused',
        );
      },
      waitPosition: async (positionSec, { timeoutMs = 60_000, intervalMs = 100 } = {}) => {
        let maxSyncErrorMs = 0;
        const clockDiffsMs: number[] = [];
        const groupErrorsMs: [number[], number[]] = [[], []];
        const syncErrorsMs: [number[], number[]] = [[], []];
        const driftsPpm: [number[], number[]] = [[], []];
        let first: number[] | null = null;
        let last: number[] = [];
        let lastHeldSec: number | null = null;
        let ended = false;
        await waitFor(
          playback,
          (ps) => {
            // A track that plays out between two polls (a busy page answers late) ends the wait too.
            if (ps[0].positionSec !== null) lastHeldSec = ps[0].positionSec;
            else if (lastHeldSec !== null && (ps[0].status === 'idle' || ps[0].status === 'ended'))
              ended = true;
            ps.forEach((p, i) => {
              if (p.syncErrorMs === null) return;
              maxSyncErrorMs = Math.max(maxSyncErrorMs, Math.abs(p.syncErrorMs));
              syncErrorsMs[i]!.push(p.syncErrorMs);
            });
            ps.forEach((p, i) => {
              if (p.outputDriftPpm !== null) driftsPpm[i]!.push(p.outputDriftPpm);
              if (p.groupMinusLocalMs !== null) groupErrorsMs[i]!.push(p.groupMinusLocalMs);
            });
            if (ps[0].groupMinusLocalMs !== null && ps[1].groupMinusLocalMs !== null)
              clockDiffsMs.push(ps[1].groupMinusLocalMs - ps[0].groupMinusLocalMs);
            last = ps.map((p) => p.starts);
            first ??= last;
            return ended || (ps[0].positionSec ?? -Infinity) >= positionSec;
          },
          timeoutMs,
          `position ${positionSec} s`,
          intervalMs,
        );
        if (ended)
          log(
            `holder's page stopped playing at ${(lastHeldSec as number | null)?.toFixed(2)} s, before ${positionSec.toFixed(2)} s`,
          );
        const restarts = last.reduce((n, s, i) => n + s - (first?.[i] ?? s), 0);
        return { maxSyncErrorMs, restarts, clockDiffsMs, groupErrorsMs, syncErrorsMs, driftsPpm };
      },
      events: async (sinceEpochMs) =>
        (await Promise.all(
          pages.map((p) =>
            p.evaluate((since) => {
              const hook = (window as unknown as { __fireflyAudio: HookView }).__fireflyAudio;
              return hook
                .events()
                .map((e) => ({ at: performance.timeOrigin + e.atMs - since, what: e.what }))
                .filter((e) => e.at >= 0)
                .map((e) => `+${(e.at / 1000).toFixed(2)}s ${e.what}`);
            }, sinceEpochMs),
          ),
        )) as [string[], string[]],
      close,
    };
  } catch (error) {
    for (const peer of peers) log(`--- ${peer.name} output ---\n${peer.output().slice(-4000)}`);
    await close();
    throw error;
  }
}

/** Runs in a page: its engine's status and the position heard now. */
function readPlayback(): PagePlayback {
  const hook = (window as unknown as { __fireflyAudio: HookView }).__fireflyAudio;
  const snapshot = hook.snapshot();
  const start = hook.lastStart;
  // The clock reading is bracketed by two performance.now() calls; a page busy with decoding can be
  // descheduled between them, and such a reading says nothing about its clock, so it is left out.
  const before = performance.now();
  const now = hook.groupNow();
  const after = performance.now();
  const playing =
    snapshot.status === 'playing' && start !== null && now !== null && start.trackId === snapshot.trackId;
  return {
    status: snapshot.status,
    trackId: snapshot.trackId,
    positionSec: playing ? start.offsetSec + (now.groupMs - start.groupTimeMs) / 1000 : null,
    syncErrorMs: snapshot.syncErrorMs,
    starts: hook.starts,
    groupMinusLocalMs:
      now && after - before < 0.2 ? now.groupMs - (performance.timeOrigin + (before + after) / 2) : null,
    outputDriftPpm: hook.outputClock()?.driftPpm ?? null,
  };
}

/** Polls `read` until `check` accepts its value; rejects with the last value after the timeout. */
async function waitFor<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown = null;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}${lastError ? `; error: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
