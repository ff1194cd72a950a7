/**
 * Runs the audio engine in real Chromium browsers, each playing into its own channel of a
 * private PulseAudio null sink, records the mix and measures how far apart the browsers played
 * the same click train. The page is the engine's standalone harness entry, bundled here with
 * esbuild and served from a throwaway HTTP server on 127.0.0.1.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findOnsets, measureOffsets, type OffsetReport } from './analyze';
import { startPulse, tunedPriorities, type PulseServer } from './pulse';
import { clickTimes, makeClick, renderClicks } from './signals';
import { readWav, writeWav } from './wav';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const harnessEntry = path.join(root, 'src', 'renderer', 'audio', 'acoustic-harness.ts');
const TRACK_ID = 'clicks';

/** One browser in the run. */
export interface AcousticPlayer {
  name: string;
  /** Engine output settings for this browser. */
  settings?: { volume?: number; outputOffsetMs?: number; channel?: 'stereo' | 'left' | 'right' | 'mono' };
  /** Schedule only this long after the anchor's group time, so the engine joins mid-track. */
  joinLateSec?: number;
}

export interface AcousticRunOptions {
  /** Exactly two players: the first plays into the left channel, the second into the right. */
  players?: [AcousticPlayer, AcousticPlayer];
  /** Clicks in the track (gaps 0.2–0.3 s). */
  clicks?: number;
  /** Time from scheduling to the anchor (ms). */
  leadMs?: number;
  /** How long each context must have run before scheduling (s). */
  settleSec?: number;
  /** Chromium binary. */
  executablePath?: string;
  /** Extra query string for the harness page (e.g. `hostOffsetMs=250`). */
  pageQuery?: string;
  /** Sample each page's clock map and sync error every 200 ms while playing. */
  trace?: boolean;
  /** 'left-only': the track's right channel is silent (for channel-routing checks). */
  trackChannels?: 'both' | 'left-only';
  /** Runs after the first schedule, to pause, seek or change settings on the way. */
  script?: (control: ScriptControl) => Promise<void>;
  /** Time the script adds to the timeline (s), e.g. the length of a pause. */
  extraSec?: number;
  /** Keep the recording and the track here instead of deleting them. */
  keepDir?: string;
  log?: (line: string) => void;
}

/** What a script can do during a run. */
export interface ScriptControl {
  trackId: string;
  clickTimesSec: readonly number[];
  /** The first anchor: group time at which position 0 plays. */
  anchor: { groupTimeMs: number; positionSec: number };
  schedule(
    player: number,
    state: { trackId: string; anchor: { groupTimeMs: number; positionSec: number }; paused: boolean } | null,
  ): Promise<void>;
  setSettings(player: number, patch: NonNullable<AcousticPlayer['settings']>): Promise<void>;
  /** Resolves once the first player's group clock reads `groupMs`. */
  waitGroup(groupMs: number): Promise<void>;
  /**
   * Freezes a player's audio output for `ms` (SIGSTOP, then SIGCONT, to its browser's audio service
   * process): its sound server stream runs dry, as when a busy machine starves a desktop's audio, and
   * the sound comes back later than it should. Resolves with the stopped process's id.
   */
  stallOutput(player: number, ms: number): Promise<number>;
  /**
   * Freezes a player's page renderer for `ms` (SIGSTOP, then SIGCONT, to the renderer process whose
   * audio render thread plays into the player's sink), as a page too busy to render its audio in time
   * would be. Resolves with the stopped process's id.
   */
  stallRenderer(player: number, ms: number): Promise<number>;
}

/** Process ids with their parent's id and command line, from /proc (Linux). */
function processes(): { pid: number; ppid: number; cmdline: string; environ: string }[] {
  const list: { pid: number; ppid: number; cmdline: string; environ: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      list.push({
        pid: Number(entry),
        ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'latin1'),
        environ: readFileSync(`/proc/${entry}/environ`, 'latin1'),
      });
    } catch {
      // ended, or not ours to read
    }
  }
  return list;
}

/** Browsers (Linux pids) that were given PULSE_SINK=`sink`, among `all`. */
function browsersFor(sink: string, all: ReturnType<typeof processes>): Set<number> {
  return new Set(
    all
      .filter(
        (p) =>
          p.environ.split('\0').includes(`PULSE_SINK=${sink}`) &&
          /chrom/i.test(p.cmdline.split('\0')[0] ?? '') &&
          !p.cmdline.includes('--type=') &&
          !p.cmdline.includes('crashpad'),
      )
      .map((p) => p.pid),
  );
}

/**
 * The process that plays a browser's audio into sink `sink` (Linux): the audio service utility process
 * started by the browser that was given that PULSE_SINK, or null if there is none.
 */
export function audioProcessFor(sink: string): number | null {
  const all = processes();
  const browsers = browsersFor(sink, all);
  const service = all.find((p) => browsers.has(p.ppid) && p.cmdline.includes('audio.mojom.AudioService'));
  return service?.pid ?? null;
}

/** Whether `raiseAudioPriority` acts (`tunedPriorities`). */
export const audioPriorityRaised = tunedPriorities;

/**
 * Moves the audio service of the browser that plays into `sink` to realtime scheduling (SCHED_RR 8,
 * all its threads), once it exists (it starts with the page's first AudioContext); resolves with its
 * pid, or null where `audioPriorityRaised()` is false.
 *
 * Why: the rig puts a whole room (two peers, two browsers, the sound server, the recorder) on one
 * 2-core machine. Chromium already runs a page's audio render thread at SCHED_RR 8 and the sound
 * server runs realtime, but the audio service between them (the process whose PulseAudio threads
 * write the stream and read its timing) runs at normal priority, and forked from the zygote it drops
 * any nice level given to the browser. Under a room's fetch and decode it then waits for the CPU, and
 * both the page's output timestamps and its sound move by milliseconds, which PCs of their own would
 * not do (figures in docs/testing.md, "Realtime versus normal priority").
 */
export async function raiseAudioPriority(sink: string, timeoutMs = 15_000): Promise<number | null> {
  if (!audioPriorityRaised()) return null;
  const deadline = Date.now() + timeoutMs;
  let pid = audioProcessFor(sink);
  while (pid === null) {
    if (Date.now() > deadline)
      throw new Error(`no browser audio service plays into ${sink} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    pid = audioProcessFor(sink);
  }
  try {
    execFileSync('chrt', ['--all-tasks', '--rr', '--pid', '8', String(pid)], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `could not give the audio service ${pid} realtime priority (chrt: ${stderr || String(error)}); set FIREFLY_ACOUSTIC_RT=0 to run without`,
    );
  }
  return pid;
}

/**
 * The renderer process whose audio render thread plays into sink `sink` (Linux): a child of the
 * browser that was given that PULSE_SINK with a thread named after Chromium's AudioOutputDevice.
 */
export function audioRendererFor(sink: string): number | null {
  const all = processes();
  const browsers = browsersFor(sink, all);
  const parentOf = new Map(all.map((p) => [p.pid, p.ppid]));
  // Renderers are forked from a zygote (itself maybe forked), started by the browser.
  const fromBrowser = (pid: number) => {
    for (let up = parentOf.get(pid), depth = 0; up !== undefined && depth < 4; up = parentOf.get(up), depth++)
      if (browsers.has(up)) return true;
    return false;
  };
  const playing = all.find((p) => {
    if (!p.cmdline.includes('--type=renderer') || !fromBrowser(p.pid)) return false;
    try {
      return readdirSync(`/proc/${p.pid}/task`).some((tid) =>
        readFileSync(`/proc/${p.pid}/task/${tid}/comm`, 'utf8').startsWith('AudioOutputDev'),
      );
    } catch {
      return false;
    }
  });
  return playing?.pid ?? null;
}

/** Stops the process `find` names for `sink` for `ms` (SIGSTOP, then SIGCONT); resolves with its pid. */
async function freezeFor(
  sink: string,
  find: (sink: string) => number | null,
  what: string,
  ms: number,
): Promise<number> {
  const pid = find(sink);
  if (pid === null) throw new Error(`no ${what} plays into ${sink}`);
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return pid;
}

/** What one browser reported about itself. */
export interface PlayerInfo {
  name: string;
  sampleRate: number;
  baseLatencyMs: number;
  outputLatencyMs: number;
  /** Offset and noise of its performance → context map (ms). */
  mapOffsetMs: number;
  mapSpreadMs: number;
  lastStart: { contextWhen: number; groupTimeMs: number; offsetSec: number; performanceMs: number } | null;
  starts: number;
  /** Group time at which the last click's first frame is heard, per this browser's own clocks. */
  lastClickGroupMs: number | null;
  syncReports: { errorMs: number; boundMs: number }[];
  /** The engine's starts and corrections with their reasons, as "+seconds what" from the anchor. */
  events: string[];
  /** With `trace`: raw getOutputTimestamp readings [performanceMs, contextSec], every 40 ms. */
  rawTimestamps?: [number, number][];
  /** With `trace`: this page's group time minus its performance time (ms), to place the raw readings. */
  groupMinusPerfMs?: number;
}

export interface AcousticRunResult {
  /** Right channel (second player) against left (first): positive = second player later. */
  report: OffsetReport;
  /** What the engines' own bookkeeping predicts for that offset (ms). */
  predictedMs: number | null;
  /** The offset the settings ask for: first player's outputOffsetMs − second's. */
  intendedMs: number;
  players: PlayerInfo[];
  recordingFile: string | null;
  /** Per recorded channel: onset times (s from the recording's start) and peak level. */
  recording: { sampleRate: number; onsetsSec: number[][]; peaks: number[] };
  /** Per player, when `trace` was set: group time (ms) with map offset, map spread and sync error (ms). */
  traces: TracePoint[][];
  /** Group time (ms) at which the track's position 0 was to be heard. */
  anchorGroupMs: number;
}

/** One sample of a page's state during playback. */
export interface TracePoint {
  groupMs: number;
  mapOffsetMs: number;
  mapSpreadMs: number;
  outputLatencyMs: number;
  syncErrorMs: number | null;
  playbackRate: number;
}

interface PageWindow {
  __acousticHarness: {
    start(settings?: unknown): Promise<void>;
    groupNowMs(): number | null;
    preload(trackId: string): Promise<void>;
    schedule(state: unknown): void;
    setSettings(patch: unknown): void;
    reports(): { errorMs: number; boundMs: number }[];
    rawTimestamps(): [number, number][];
  };
  __fireflyAudio: {
    lastStart: { contextWhen: number; groupTimeMs: number; offsetSec: number; performanceMs: number } | null;
    starts: number;
    snapshot(): { syncErrorMs: number | null; playbackRate: number };
    groupTimeOfFrame(frame: number): number | null;
    outputClock(): { offsetMs: number; spreadMs: number } | null;
    events(): { atMs: number; what: string }[];
    context(): {
      sampleRate: number;
      baseLatency: number;
      outputLatency: number;
      currentTime: number;
      state: string;
    } | null;
  };
}

/** Chromium flags of every acoustic browser: audio without a user gesture, never throttled in the background. */
export const ACOUSTIC_BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

/** Builds the harness page bundle; resolves with its JavaScript. */
export async function buildHarnessBundle(entry = harnessEntry): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  return file.text;
}

/** The engine's decoder worker and player worklet, by the paths the harness page loads them from. */
export async function buildStreamBundles(): Promise<Map<string, string>> {
  const audio = path.dirname(harnessEntry);
  return new Map([
    ['/stream/decoder-worker.js', await buildHarnessBundle(path.join(audio, 'decoder', 'decoder-worker.ts'))],
    ['/stream/player-worklet.js', await buildHarnessBundle(path.join(audio, 'player', 'player-worklet.ts'))],
  ]);
}

/** Serves the harness page, its bundle and the click track on 127.0.0.1. */
async function serve(
  bundle: string,
  track: Uint8Array,
  scripts: Map<string, string>,
): Promise<{ server: Server; url: string }> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>acoustic harness</title></head><body><script type="module" src="/harness.js"></script></body></html>';
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/' || url.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (url === '/harness.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (scripts.has(url)) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(scripts.get(url));
    } else if (url === `/media/track/${TRACK_ID}`) {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': track.byteLength }).end(track);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Plays one click train through two browsers into the two channels and measures their offset. */
export async function runAcousticSync(options: AcousticRunOptions = {}): Promise<AcousticRunResult> {
  const log = options.log ?? (() => {});
  const players = options.players ?? [{ name: 'left' }, { name: 'right' }];
  const sampleRate = 48_000;
  const times = clickTimes(options.clicks ?? 30);
  const trackSec = times.at(-1)! + 0.5;
  const click = makeClick(5);
  const channel = renderClicks(click, times, sampleRate, trackSec);
  const right = options.trackChannels === 'left-only' ? new Float32Array(channel.length) : channel;
  const track = writeWav({ sampleRate, channels: [channel, right] }, 'pcm16');
  const dir = options.keepDir ?? mkdtempSync(path.join(os.tmpdir(), 'firefly-acoustic-'));
  const recordingFile = path.join(dir, 'recording.wav');
  writeFileSync(path.join(dir, 'clicks.wav'), track);

  let pulse: PulseServer | null = null;
  let server: Server | null = null;
  const browsers: Browser[] = [];
  try {
    pulse = await startPulse();
    const { url, server: s } = await serve(await buildHarnessBundle(), track, await buildStreamBundles());
    server = s;
    const pages: Page[] = [];
    const executablePath = priorityWrapper(
      options.executablePath ?? process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
      dir,
    );
    for (const [i, player] of players.entries()) {
      const browser = await chromium.launch({
        executablePath,
        headless: true,
        ignoreDefaultArgs: ['--mute-audio'],
        args: ACOUSTIC_BROWSER_ARGS,
        env: { ...process.env, ...pulse.env, PULSE_SINK: pulse.channelSinks[i]! } as Record<string, string>,
      });
      browsers.push(browser);
      const page = await browser.newPage();
      page.on('console', (m) => log(`[${player.name}] ${m.text()}`));
      page.on('pageerror', (e) => log(`[${player.name}] page error: ${e.message}`));
      await page.goto(options.pageQuery ? `${url}?${options.pageQuery}` : url);
      await page.waitForFunction(() => '__acousticHarness' in window);
      await page.evaluate(
        async ([settings, trackId]) => {
          const w = window as unknown as PageWindow;
          await w.__acousticHarness.start(settings);
          await w.__acousticHarness.preload(trackId as string);
        },
        [player.settings ?? {}, TRACK_ID] as const,
      );
      await raiseAudioPriority(pulse.channelSinks[i]!);
      pages.push(page);
    }
    const settleSec = options.settleSec ?? 3;
    for (const page of pages) {
      await page.waitForFunction(
        (settle) => {
          const hook = (window as unknown as PageWindow).__fireflyAudio;
          const ctx = hook.context();
          return (
            ctx !== null && ctx.state === 'running' && ctx.currentTime > settle && hook.outputClock() !== null
          );
        },
        settleSec,
        { polling: 50, timeout: (settleSec + 30) * 1000 },
      );
    }
    const recording = await pulse.record(recordingFile);
    const first = pages[0]!;
    const nowGroup = await first.evaluate(() =>
      (window as unknown as PageWindow).__acousticHarness.groupNowMs(),
    );
    if (nowGroup === null) throw new Error('no group time in the first page');
    const anchor = { groupTimeMs: nowGroup + (options.leadMs ?? 1500), positionSec: 0 };
    const state = { trackId: TRACK_ID, anchor, paused: false };
    log(`anchor at group ${anchor.groupTimeMs.toFixed(3)} ms`);
    const waitGroup = (page: Page, groupMs: number, timeout: number) =>
      page.waitForFunction(
        (g) => ((window as unknown as PageWindow).__acousticHarness.groupNowMs() ?? -Infinity) >= g,
        groupMs,
        { polling: 20, timeout },
      );
    for (const [i, player] of players.entries()) {
      const page = pages[i]!;
      if (player.joinLateSec) await waitGroup(page, anchor.groupTimeMs + player.joinLateSec * 1000, 30_000);
      await page.evaluate((s) => (window as unknown as PageWindow).__acousticHarness.schedule(s), state);
    }
    if (options.script) {
      await options.script({
        trackId: TRACK_ID,
        clickTimesSec: times,
        anchor,
        schedule: async (i, s) =>
          void (await pages[i]!.evaluate(
            (x) => (window as unknown as PageWindow).__acousticHarness.schedule(x),
            s,
          )),
        setSettings: async (i, patch) =>
          void (await pages[i]!.evaluate(
            (x) => (window as unknown as PageWindow).__acousticHarness.setSettings(x),
            patch,
          )),
        waitGroup: async (groupMs) => void (await waitGroup(first, groupMs, 60_000)),
        stallOutput: (i, ms) => freezeFor(pulse!.channelSinks[i]!, audioProcessFor, 'browser process', ms),
        stallRenderer: (i, ms) => freezeFor(pulse!.channelSinks[i]!, audioRendererFor, 'renderer', ms),
      });
    }
    const extraMs = (options.extraSec ?? 0) * 1000;
    const traces: TracePoint[][] = pages.map(() => []);
    const endGroupMs = anchor.groupTimeMs + extraMs + (times.at(-1)! - 0.2) * 1000;
    if (options.trace) {
      for (;;) {
        const points = await Promise.all(pages.map((page) => page.evaluate(tracePoint)));
        points.forEach((point, i) => point && traces[i]!.push(point));
        if ((points[0]?.groupMs ?? 0) >= endGroupMs) break;
        await first.waitForTimeout(200);
      }
    }
    // Ask each page, while it plays, when it will play the last click.
    const lastClickFrame = Math.floor(times.at(-1)! * sampleRate);
    const infos: PlayerInfo[] = [];
    await waitGroup(first, endGroupMs, 60_000);
    for (const [i, page] of pages.entries()) {
      const info = await page.evaluate(
        ([frame, withRaw, anchorGroupMs]) => {
          const w = window as unknown as PageWindow;
          // Event times are this page's performance times; group time runs with them here (the host is this page).
          const groupMinusPerf = (w.__acousticHarness.groupNowMs() ?? NaN) - performance.now();
          const ctx = w.__fireflyAudio.context();
          const map = w.__fireflyAudio.outputClock();
          return {
            sampleRate: ctx?.sampleRate ?? NaN,
            baseLatencyMs: (ctx?.baseLatency ?? NaN) * 1000,
            outputLatencyMs: (ctx?.outputLatency ?? NaN) * 1000,
            mapOffsetMs: map?.offsetMs ?? NaN,
            mapSpreadMs: map?.spreadMs ?? NaN,
            lastStart: w.__fireflyAudio.lastStart,
            starts: w.__fireflyAudio.starts,
            lastClickGroupMs: w.__fireflyAudio.groupTimeOfFrame(frame),
            syncReports: w.__acousticHarness.reports(),
            events: w.__fireflyAudio
              .events()
              .map((e) => `+${((e.atMs + groupMinusPerf - anchorGroupMs) / 1000).toFixed(2)}s ${e.what}`),
            ...(withRaw
              ? { rawTimestamps: w.__acousticHarness.rawTimestamps(), groupMinusPerfMs: groupMinusPerf }
              : {}),
          };
        },
        [lastClickFrame, options.trace === true, anchor.groupTimeMs] as const,
      );
      infos.push({ name: players[i]!.name, ...info });
    }
    await waitGroup(first, anchor.groupTimeMs + extraMs + (trackSec + 0.4) * 1000, 30_000);
    await recording.stop();
    const audio = readWav(readFileSync(recordingFile));
    if (audio.channels.length < 2) throw new Error(`recording has ${audio.channels.length} channels`);
    const report = measureOffsets(audio.channels[0]!, audio.channels[1]!, audio.sampleRate);
    const offsetOf = (p: AcousticPlayer) => p.settings?.outputOffsetMs ?? 0;
    const [a, b] = infos;
    const predictedMs =
      a?.lastClickGroupMs != null && b?.lastClickGroupMs != null
        ? b.lastClickGroupMs - offsetOf(players[1]) - (a.lastClickGroupMs - offsetOf(players[0]))
        : null;
    return {
      report,
      predictedMs,
      intendedMs: offsetOf(players[0]) - offsetOf(players[1]),
      players: infos,
      recordingFile: options.keepDir ? recordingFile : null,
      traces,
      anchorGroupMs: anchor.groupTimeMs,
      recording: {
        sampleRate: audio.sampleRate,
        onsetsSec: audio.channels.map((c) =>
          findOnsets(c, audio.sampleRate).map((i) => i / audio.sampleRate),
        ),
        peaks: audio.channels.map((c) => c.reduce((m, v) => Math.max(m, Math.abs(v)), 0)),
      },
    };
  } finally {
    for (const browser of browsers) await browser.close().catch(() => {});
    if (server) await new Promise((resolve) => server!.close(resolve));
    if (pulse) await pulse.stop();
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs in the page: its clocks and sync state now. */
function tracePoint(): TracePoint | null {
  const w = window as unknown as PageWindow;
  const map = w.__fireflyAudio.outputClock();
  const groupMs = w.__acousticHarness.groupNowMs();
  const snapshot = w.__fireflyAudio.snapshot();
  if (!map || groupMs === null) return null;
  return {
    groupMs,
    mapOffsetMs: map.offsetMs,
    mapSpreadMs: map.spreadMs,
    outputLatencyMs: (w.__fireflyAudio.context()?.outputLatency ?? NaN) * 1000,
    syncErrorMs: snapshot.syncErrorMs,
    playbackRate: snapshot.playbackRate,
  };
}

/**
 * In the tuned rig, a wrapper that starts the browser at a raised priority: an audio player outranks the
 * build jobs that share a CI machine. Only the browser and GPU processes keep it: the renderers and
 * the audio service are forked from Chromium's zygote at normal priority (see `raiseAudioPriority`).
 */
export function priorityWrapper(executable: string, dir: string): string {
  if (!tunedPriorities()) return executable;
  const wrapper = path.join(dir, 'chromium-nice.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec nice -n -10 ${JSON.stringify(executable)} "$@"\n`, { mode: 0o755 });
  return wrapper;
}

/** One line of figures for logs. */
export function describeRun(label: string, run: AcousticRunResult): string {
  const r = run.report;
  const fmt = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(3));
  const worst = (p: PlayerInfo) =>
    p.syncReports.length ? Math.max(...p.syncReports.map((r) => Math.abs(r.errorMs))) : NaN;
  const lat = run.players
    .map(
      (p) =>
        `${p.name}: out ${fmt(p.outputLatencyMs)} base ${fmt(p.baseLatencyMs)} map± ${fmt(p.mapSpreadMs)} starts ${p.starts} max|sync err| ${fmt(worst(p))}`,
    )
    .join('; ');
  const line = `${label}: ${r.count} clicks, offset median ${fmt(r.medianMs)} ms (intended ${fmt(run.intendedMs)}, engines predicted ${fmt(run.predictedMs)}), p95 |${fmt(r.p95AbsMs)}| max |${fmt(r.maxAbsMs)}| ms, unmatched ${r.unmatched} [${lat}]`;
  // A take off by more than a millisecond: what each engine did, from the anchor on.
  if (!(Math.abs(r.medianMs - run.intendedMs) > 1)) return line;
  return [
    line,
    ...run.players.map((p) => `    ${p.name} engine: ${p.events.join('; ') || 'no events'}`),
  ].join('\n');
}
