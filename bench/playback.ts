/**
 * Playback benchmark through real peers and Chromium pages: `npm run bench:playback`.
 *
 * A holder peer with the music and a second peer that holds none of it, each with its own Chromium
 * page (its own browser process, as on separate PCs). Each track is played from the start through
 * the holder's API; on its first play the holder's page plays a track held locally and the other
 * page one held only by another peer. Per track length (MP3, 128 kbit/s) it prints:
 *
 * - command to first sound: from the POST to the moment the page's engine says the track's first
 *   frame leaves its output (the engine's start record: its output clock map, which holds the output
 *   latency); bench:sync measures the same from recordings for short tracks. Target ≤ 300 ms.
 * - lead time: how long after the command the room scheduled the audio (the holder's status: the largest need
 *   its speakers reported plus a margin, shared/playback/barrier.ts).
 * - renderer memory growth: the highest resident memory of the page's renderer processes (its page, workers,
 *   worklets and decoded audio), sampled every second through the play (its first half from the start, its
 *   second half after a seek to near the track's end), minus before the play. Target ≤ 100 MB for 3 hours.
 * - renderer CPU per minute of audio: CPU time of the renderer process (Chromium's process list) from the
 *   command to the end of the play, per minute played, which covers fetching, decoding, rendering and the
 *   page's UI; and of it the decoder worker's thread (demuxing, decoding, resampling).
 *
 * Flags: --minutes 3,10,60,180 (track lengths), --play-sec N (default 20), --timeout-sec N (longest wait
 * for the first sound, default 60), --settle-sec N (the pages are open this long before the first play, after the
 * holder's scan has finished; default 8), --pages both|holder|other (default both). The default room shares the
 * machine's two cores between two peers and two browsers; a real room has a machine per peer. `--pages holder`
 * runs the holder and its page alone (a PC playing its own music); `--pages other` runs both peers but a page
 * only on the one that holds nothing (that PC's browser and peer, with the holder's peer beside them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../test/support/peers';
import { agreeOnLeader, getStatus, waitForStatuses } from '../test/support/status';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const minutesList = option('--minutes', '3,10,60,180').split(',').map(Number);
const playSec = Number(option('--play-sec', '20'));
const timeoutSec = Number(option('--timeout-sec', '60'));
const settleSec = Number(option('--settle-sec', '8'));
/** Which peers have a page (a speaker): both, or one of them alone on the machine (see the file comment). */
const withPages = option('--pages', 'both');
if (!['both', 'holder', 'other'].includes(withPages)) throw new Error('--pages is both, holder or other');
const TARGET = { firstSoundMs: 300, memoryMbFor3h: 100 };

/** An MP3 of `minutes` minutes, made once and kept in the temp folder (a 3-hour file takes minutes to encode). */
function track(dir: string, minutes: number): string {
  const file = path.join(dir, `tone-${minutes}min.mp3`);
  if (existsSync(file)) return file;
  const sec = minutes * 60;
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `sine=frequency=440:duration=${sec}:sample_rate=44100`],
    ...['-metadata', `title=Tone ${minutes} min`, '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k', file],
  ]);
  return file;
}

/** CPU seconds so far of a process's threads whose name starts with `prefix` (/proc/<pid>/task; Linux clock ticks of 10 ms). */
function threadCpuSec(pid: number, prefix: string): number {
  let ticks = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (!readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').startsWith(prefix)) continue;
        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // the process ended meanwhile
  }
  return ticks / 100;
}

/**
 * CPU seconds so far and resident memory (bytes) of the browser's renderer processes (CDP's process list,
 * /proc), and the CPU seconds of their dedicated-worker threads (the page's one worker is the decoder).
 */
async function renderers(browser: Browser): Promise<{ cpuSec: number; decodeSec: number; rssBytes: number }> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; id: number; cpuTime: number }[];
    };
    let cpuSec = 0;
    let decodeSec = 0;
    let rssBytes = 0;
    for (const p of processInfo.filter((info) => info.type === 'renderer')) {
      cpuSec += p.cpuTime;
      decodeSec += threadCpuSec(p.id, 'DedicatedWorker');
      try {
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
        rssBytes += Number(rss?.[1] ?? 0) * 1024;
      } catch {
        // ended meanwhile
      }
    }
    return { cpuSec, decodeSec, rssBytes };
  } finally {
    await cdp.detach();
  }
}

interface Hook {
  lastStart: { trackId: string; performanceMs: number; groupTimeMs: number; outputOffsetMs: number } | null;
  groupNow(): { groupMs: number } | null;
  snapshot(): { status: string; error: string | null };
  events(): { atMs: number; what: string }[];
}

/** The page engine's status and its events since epoch ms `sinceMs`, for a figure that misses its target. */
async function engineStory(page: Page, sinceMs: number): Promise<string> {
  return page.evaluate((since) => {
    const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
    const { status, error } = hook.snapshot();
    const last = hook.lastStart ? ` (last start: ${hook.lastStart.trackId.slice(0, 8)})` : '';
    const events = hook
      .events()
      .filter((e) => performance.timeOrigin + e.atMs >= since)
      .map((e) => `+${(performance.timeOrigin + e.atMs - since).toFixed(0)} ms ${e.what}`);
    return `status ${status}${error ? ` (${error})` : ''}${last}; ${events.join('; ') || 'no events'}`;
  }, sinceMs);
}

/** Resident memory of each browser's renderers, sampled every second for `sec` seconds: the highest sample of each. */
async function peakMemory(browsers: Browser[], sec: number): Promise<number[]> {
  const peaks = browsers.map(() => 0);
  const until = Date.now() + sec * 1000;
  while (Date.now() < until) {
    const now = await Promise.all(browsers.map((b) => renderers(b)));
    now.forEach((n, i) => (peaks[i] = Math.max(peaks[i]!, n.rssBytes)));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return peaks;
}

/** Epoch ms at which the page's engine started `trackId` sounding, or null if it did not within the timeout. */
async function firstSoundAt(page: Page, trackId: string): Promise<number | null> {
  try {
    const handle = await page.waitForFunction(
      (id) => {
        const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
        const start = hook.lastStart;
        if (start?.trackId !== id) return false;
        if (Number.isFinite(start.performanceMs)) return performance.timeOrigin + start.performanceMs;
        // The output clock map had no fit yet when the engine started: take the time the start was
        // placed at in group time (what the engine aims for), converted through this page's group clock.
        const now = hook.groupNow();
        if (!now) return false;
        const perf = performance.now() + (start.groupTimeMs - start.outputOffsetMs - now.groupMs);
        return performance.timeOrigin + perf;
      },
      trackId,
      { timeout: timeoutSec * 1000, polling: 10 },
    );
    return (await handle.jsonValue()) as number;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'firefly-bench-playback');
  const library = path.join(dir, 'library');
  mkdirSync(library, { recursive: true });
  console.log(`making tracks of ${minutesList.join(', ')} minutes in ${library} (kept for later runs)`);
  for (const minutes of minutesList) track(library, minutes);

  const peers: TestPeer[] = [];
  const browsers: Browser[] = [];
  try {
    const holder = await launchPeer({ name: 'holder', args: ['--library', library, '--priority', '2'] });
    peers.push(holder);
    if (withPages !== 'holder') {
      const seed = holder.addrs.find((a) => a.includes('/127.0.0.1/'))!;
      const other = await launchPeer({ name: 'other', args: ['--bootstrap', seed, '--priority', '1'] });
      peers.push(other);
    }
    await waitForStatuses(
      peers.map((p) => p.ui),
      (s) => agreeOnLeader(s, holder.peerId),
      { what: 'a leader' },
    );
    /** The peers with a page, each with what it holds. */
    const speakers = peers
      .map((peer, i) => ({ peer, held: i === 0 ? 'here' : 'by the other peer only' }))
      .filter((s) => withPages === 'both' || s.peer.name === withPages);
    const pages: { page: Page; browser: Browser }[] = [];
    for (const { peer } of speakers) {
      const browser = await chromium.launch({
        executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
      });
      browsers.push(browser);
      const page = await browser.newPage();
      await page.goto(`${peer.ui}/?diagnostics`);
      await page.waitForFunction(() => '__fireflyAudio' in window);
      pages.push({ page, browser });
    }
    // As a user plays: the holder has finished scanning its library, and the pages have been open a while
    // (the issue's protocol: 8 s before the first play). A play during the scan or the page's own start
    // measures those instead.
    await waitForStatuses(
      [holder.ui],
      (s) => s.every((x) => x.library !== undefined && !x.library.scan.running && x.library.tracks > 0),
      {
        what: "the holder's scan to finish",
      },
    );
    await new Promise((resolve) => setTimeout(resolve, settleSec * 1000));
    const tracks = (await (await apiFetch(holder.ui, '/api/tracks')).json()) as {
      trackId: string;
      title: string;
    }[];
    console.log(
      '\n| track | held | command → first sound (ms) | lead time (ms) | memory growth (MB) | renderer CPU per min of audio (s) | of which the decoder (s) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const minutes of minutesList) {
      const entry = tracks.find((t) => t.title === `Tone ${minutes} min`);
      if (!entry) throw new Error(`the holder does not list the ${minutes}-minute track`);
      const before = await Promise.all(pages.map((p) => renderers(p.browser)));
      const commandAt = Date.now();
      const response = await apiFetch(holder.ui, '/api/play', { body: { trackId: entry.trackId } });
      if (!response.ok) throw new Error(`play: ${response.status} ${await response.text()}`);
      const sounds = await Promise.all(pages.map((p) => firstSoundAt(p.page, entry.trackId)));
      const leadMs = (await getStatus(holder.ui)).playback.leadMs;
      const playedFrom = Date.now();
      const peaks = await peakMemory(
        pages.map((p) => p.browser),
        playSec / 2,
      );
      // The second half near the end of the track: memory must not depend on where in a long track the head is.
      const lateSec = minutes * 60 - playSec;
      if (lateSec > playSec) {
        const seek = await apiFetch(holder.ui, '/api/seek', { body: { positionSec: lateSec } });
        if (!seek.ok) throw new Error(`seek: ${seek.status} ${await seek.text()}`);
      }
      const latePeaks = await peakMemory(
        pages.map((p) => p.browser),
        playSec / 2,
      );
      const after = await Promise.all(pages.map((p) => renderers(p.browser)));
      const playedMin = (Date.now() - playedFrom) / 60_000;
      for (const [i, { held }] of speakers.entries()) {
        const sound = sounds[i];
        const first =
          sound === null || sound === undefined
            ? `no sound in ${timeoutSec} s`
            : (sound - commandAt).toFixed(0);
        const peak = Math.max(peaks[i]!, latePeaks[i]!);
        const growth = ((peak - before[i]!.rssBytes) / 1e6).toFixed(1);
        const cpu = ((after[i]!.cpuSec - before[i]!.cpuSec) / playedMin).toFixed(2);
        const decode = ((after[i]!.decodeSec - before[i]!.decodeSec) / playedMin).toFixed(2);
        console.log(
          `| ${minutes} min | ${held} | ${first} | ${leadMs ?? '-'} | ${growth} | ${cpu} | ${decode} |`,
        );
      }
      for (const [i, sound] of sounds.entries()) {
        if (sound === null || sound === undefined || sound - commandAt > TARGET.firstSoundMs)
          console.log(`  ${speakers[i]!.peer.name}'s page: ${await engineStory(pages[i]!.page, commandAt)}`);
      }
      await apiFetch(holder.ui, '/api/stop', { body: {} });
    }
    console.log(
      `\ntargets: command → first sound ≤ ${TARGET.firstSoundMs} ms at any length; memory growth ≤ ${TARGET.memoryMbFor3h} MB for 3 hours`,
    );
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    await stopPeers(peers);
  }
}

await main();
