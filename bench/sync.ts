/**
 * Acoustic sync benchmark through real peers: `npm run bench:sync` (about 16 minutes).
 *
 * A holder peer (the leader, with the music) and a follower (fetches through the swarm), each
 * heard through its own Chromium process in its own channel of a private PulseAudio null sink
 * (channel settings: left for the holder, right for the follower). Measured from recordings:
 *
 * 1. Offset (follower − holder) over three click tracks with different click shapes and rhythms,
 *    each on its first play (the follower fetches it within the start barrier).
 * 2. Offset after each of four seeks.
 * 3. Command-to-sound for cached tracks: POST /api/resume and POST /api/play, sent to the
 *    follower and the holder in turn, until the start position is heard (see `recordTimed` and
 *    `heardAt` in test/support/acoustic/rig.ts for the shared time base and its error).
 * 4. A second room whose follower runs --clock-offset-ms 250 --clock-skew-ppm 150: a click
 *    track, then a 10-minute click track played through, recorded in a window near its start
 *    and one near its end.
 *
 * Beside every offset it prints the two pages' group clocks' disagreement (follower page minus
 * holder page, both read against the one machine clock), each page's group clock against the machine's
 * (the holder leads with its clock unshifted, so 0 is the truth for both) and the engines' own worst sync error,
 * which tell a clock-estimate error from an output glitch when a figure misses.
 *
 * Each room's pages have had their audio running for a minute before its first take, as in apps
 * that have been open for a minute (an output's timestamps keep moving by milliseconds over its
 * first 20-30 s). `--fresh-rooms` measures the other case.
 *
 * 5. Untuned (after the tuned rig above, on a rig of its own): the sound server, the browsers and their
 *    audio services at normal priority (`FIREFLY_ACOUSTIC_RT=0`, as on a user's machine without
 *    realtime settings), and rooms whose pages opened 8 s before their first play: --untuned-rooms N
 *    (default 3) rooms in turn, each with the skewed follower, playing a track the follower fetches.
 *    Its figures are summarised beside the tuned ones.
 *
 * Flags: --only tuned|untuned (one rig only), --dump-readings DIR (the fresh and untuned rooms' takes keep
 * each page's raw output readings and the clicks' onsets there, for `bench/readings-report.ts`), --long-sec N (length of the long track, default 600), --skip-long, --settle-sec N (how
 * long each room's AudioContexts run before the first take, default 60), --fresh-rooms N (instead
 * of all the above: N rooms in turn, each with the skewed follower, playing a track the follower
 * must fetch 3 s after the room's pages opened, unless --settle-sec says otherwise).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize, type OffsetReport } from '../test/support/acoustic/analyze';
import { perChannelTimings } from '../test/support/acoustic/per-channel';
import { takeWithReadings } from './readings-take';
import { startPeerRoom, type PeerRoom, type WatchReport } from '../test/support/acoustic/peer-room';
import { apiFetch } from '../test/support/peers';
import type { RoomTrack } from '../src/shared/bridge/payloads';
import { DEFAULT_LEAD_TIME_MS } from '../src/shared/playback/barrier';
import {
  formatOffsets,
  heardAt,
  makeClickTrack,
  pulseAvailable,
  recordTimed,
  startAcousticRig,
  type AcousticRig,
  type ClickTrack,
} from '../test/support/acoustic/rig';

const TARGET = { medianMs: 0.1, p95Ms: 0.5, commandMs: 200, driftMs: 0.1 };
const SKEW_ARGS = ['--clock-offset-ms', '250', '--clock-skew-ppm', '150'];

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const numberFlag = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
};
const LONG_SEC = numberFlag('--long-sec', 600);
const SETTLE_SEC = numberFlag('--settle-sec', 60);
/** Fresh rooms start their take 3 s after their pages' audio, unless --settle-sec is given. */
const FRESH_SETTLE_SEC = flag('--settle-sec') ? SETTLE_SEC : 3;
const FRESH_ROOMS = numberFlag('--fresh-rooms', 0);
const UNTUNED_ROOMS = numberFlag('--untuned-rooms', 3);
const UNTUNED_SETTLE_SEC = 8;
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
/** Where the fresh and untuned rooms' takes leave their raw output readings (`readings-take.ts`), if anywhere. */
const DUMP_DIR = argv.includes('--dump-readings') ? argv[argv.indexOf('--dump-readings') + 1] : undefined;

const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[s.length >> 1]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const maxAbs = (values: number[]) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

interface Figure {
  /** The rig: raised priorities or not. */
  rig: 'tuned' | 'untuned';
  label: string;
  report: OffsetReport;
  watch: WatchReport;
}

/** A take's action: the follower asks to play the track, and it is playing on both pages. */
const playOnFollower = (room: PeerRoom, trackId: string) => async () => {
  await room.command(room.follower, 'play', { trackId });
  await room.waitPlaying(trackId);
};

const figures: Figure[] = [];
const latencies: { label: string; ms: number[] }[] = [];

function describeWatch(w: WatchReport): string {
  const [holderErr, followerErr] = w.syncErrorsMs.map(median) as [number, number];
  return (
    `clocks apart median ${f3(median(w.clockDiffsMs))} max |${f3(maxAbs(w.clockDiffsMs))}| ms (each page's group clock against the machine's: holder ${f3(median(w.groupErrorsMs?.[0] ?? []))}, follower ${f3(median(w.groupErrorsMs?.[1] ?? []))} ms); engines' max |sync error| ${f3(w.maxSyncErrorMs)} ms, restarts ${w.restarts}; ` +
    `engines' median errors holder ${f3(holderErr)} follower ${f3(followerErr)} ms (their view of the offset ${f3(holderErr - followerErr)} ms)`
  );
}

let currentRig: Figure['rig'] = 'tuned';

function record(
  label: string,
  report: OffsetReport,
  watch: WatchReport,
  clickTimesSec: readonly number[],
): void {
  figures.push({ rig: currentRig, label, report, watch });
  console.log(`  ${formatOffsets(label, report)}\n    ${describeWatch(watch)}`);
  if (report.p95AbsMs > TARGET.p95Ms) {
    // Where in the take it went wrong: a start that landed off, or a jump part way through and how long it lasted.
    const runs: string[] = [];
    report.offsetsMs.forEach((v, i) => {
      const last = runs.at(-1);
      const text = v.toFixed(2);
      const at = report.onsetsSec[i]!.toFixed(2);
      if (last?.endsWith(` ${text}`))
        runs[runs.length - 1] = `${last.split(' ')[0]!.split('-')[0]}-${at} ${text}`;
      else runs.push(`${at} ${text}`);
    });
    console.log(`    offsets over the take (s: ms): ${runs.join(', ')}`);
    // Which page moved: each channel's error against the click track (ms, relative to the holder's median).
    const timings = perChannelTimings(report, clickTimesSec)
      .map((t) => `${t.atSec.toFixed(2)} ${t.aMs.toFixed(1)}/${t.bMs.toFixed(1)}`)
      .join(', ');
    console.log(`    holder/follower against the track (s: ms/ms): ${timings}`);
    const [holder, follower] = watch.events ?? [[], []];
    console.log(
      `    holder engine: ${holder.join('; ') || '-'}\n    follower engine: ${follower.join('; ') || '-'}`,
    );
  }
}

/** The room track whose duration is closest to `track`'s. */
function pick(tracks: RoomTrack[], track: ClickTrack): RoomTrack {
  const best = [...tracks].sort(
    (a, b) => Math.abs(a.durationSec - track.durationSec) - Math.abs(b.durationSec - track.durationSec),
  )[0];
  if (!best || Math.abs(best.durationSec - track.durationSec) > 0.3)
    throw new Error(
      `no room track lasts ${track.durationSec.toFixed(2)} s: ${tracks.map((t) => t.durationSec).join(', ')}`,
    );
  return best;
}

/** Records one stretch of playback: `action` starts it, then the recording runs until the holder's page reaches `untilSec`. */
async function take(
  rig: AcousticRig,
  room: PeerRoom,
  action: () => Promise<void>,
  untilSec: number,
  intervalMs = 100,
): Promise<{ report: OffsetReport; watch: WatchReport }> {
  let watch: WatchReport = { maxSyncErrorMs: 0, restarts: 0, clockDiffsMs: [], syncErrorsMs: [[], []] };
  const startedAt = Date.now();
  const recording = await rig.recordWhile(async () => {
    await action();
    watch = await room.waitPosition(untilSec, { intervalMs, timeoutMs: (untilSec + 60) * 1000 });
  });
  return { report: recording.pairs[0]!, watch: { ...watch, events: await room.events(startedAt) } };
}

/** Time from a command until position `fromSec` is heard on each channel. */
async function commandToSound(
  rig: AcousticRig,
  room: PeerRoom,
  send: () => Promise<number>,
  wait: () => Promise<unknown>,
  clicks: readonly number[],
  fromSec: number,
): Promise<[number, number]> {
  let sentMs = NaN;
  const startedAt = Date.now();
  const recording = await recordTimed(rig, async () => {
    sentMs = await send();
    await wait();
  });
  const heard = [0, 1].map((c) => heardAt(recording, c, clicks, fromSec, sentMs));
  if (heard.includes(null)) {
    // Not heard on one side: say what that engine did meanwhile.
    const events = await room.events(startedAt);
    heard.forEach((h, i) => {
      if (h === null)
        console.log(
          `    ${['holder', 'follower'][i]} not heard; its engine: ${events[i]?.join('; ') || 'no events'}`,
        );
    });
  }
  return heard.map((h) => (h === null ? NaN : h - sentMs)) as [number, number];
}

function writeLibrary(dir: string, files: Record<string, Uint8Array>): void {
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
}

async function main(): Promise<void> {
  const available = pulseAvailable();
  if (!available.ok) {
    console.log(`bench:sync skipped: ${available.reason}`);
    return;
  }
  const began = Date.now();
  console.log(`bench:sync — ${os.cpus().length} cores, load average at start ${load()}`);
  const trackA = makeClickTrack(40, 48_000, 5, { timingSeed: 7 });
  const trackB = makeClickTrack(34, 48_000, 11, { timingSeed: 13, minGapSec: 0.15, maxGapSec: 0.4 });
  const trackC = makeClickTrack(120, 48_000, 17, { timingSeed: 19, minGapSec: 0.2, maxGapSec: 0.3 });
  if (ONLY === 'untuned') {
    await untuned(trackA);
    return printFigures(began);
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'firefly-bench-sync-'));
  const rig = await startAcousticRig(2);
  let room: PeerRoom | null = null;
  try {
    if (FRESH_ROOMS > 0) {
      await freshRooms(rig, work, trackA, FRESH_ROOMS, FRESH_SETTLE_SEC, 'fresh room');
      printFigures(began);
      return;
    }
    const lib1 = path.join(work, 'lib1');
    mkdirSync(lib1);
    writeLibrary(lib1, {
      'clicks-a.wav': trackA.wav,
      'clicks-b.wav': trackB.wav,
      'clicks-c.wav': trackC.wav,
    });
    room = await startPeerRoom({
      rig,
      libraryDir: lib1,
      settleSec: SETTLE_SEC,
      log: (l) => console.log(`  ${l}`),
    });
    const r1 = room;
    const tracks1 = await r1.tracks();
    const [a, b, c] = [pick(tracks1, trackA), pick(tracks1, trackB), pick(tracks1, trackC)];

    console.log(`\n1. Three click tracks, each on its first play (load ${load()})`);
    for (const [name, rt, ct] of [
      ['a', a, trackA],
      ['b', b, trackB],
      ['c', c, trackC],
    ] as const) {
      const until = name === 'c' ? 12 : ct.clickTimesSec.at(-1)! + 0.3;
      const { report, watch } = await take(rig, r1, playOnFollower(r1, rt.trackId), until);
      record(`track ${name}`, report, watch, ct.clickTimesSec);
    }

    console.log(`\n2. Seeks in track c (load ${load()})`);
    for (const target of [20, 6, 24, 12]) {
      const { report, watch } = await take(
        rig,
        r1,
        async () => {
          await r1.command(r1.holder, 'seek', { positionSec: target });
          await r1.waitPlaying(c.trackId, target);
        },
        target + 4,
      );
      record(`seek to ${target} s`, report, watch, trackC.clickTimesSec);
    }

    console.log(`\n3. Command to sound, cached tracks (load ${load()})`);
    const resume: number[] = [];
    const play: number[] = [];
    for (let i = 0; i < 3; i++) {
      const sender = i % 2 === 0 ? r1.follower : r1.holder;
      await r1.command(r1.holder, 'pause');
      await r1.waitPaused();
      const pausedAt = (await r1.state()).pausedAtSec ?? NaN;
      const heard = await commandToSound(
        rig,
        r1,
        () => r1.command(sender, 'resume'),
        () => r1.waitPlaying(c.trackId).then(() => r1.waitPosition(pausedAt + 1.2)),
        trackC.clickTimesSec,
        pausedAt,
      );
      resume.push(...heard);
      console.log(
        `  resume via ${sender.name} at ${pausedAt.toFixed(2)} s: heard after ${heard.map(f3).join(' / ')} ms (holder / follower)`,
      );
    }
    for (let i = 0; i < 3; i++) {
      const sender = i % 2 === 0 ? r1.follower : r1.holder;
      await r1.command(r1.holder, 'pause');
      await r1.waitPaused();
      const heard = await commandToSound(
        rig,
        r1,
        () => r1.command(sender, 'play', { trackId: a.trackId }),
        () => r1.waitPlaying(a.trackId).then(() => r1.waitPosition(1.2)),
        trackA.clickTimesSec,
        0,
      );
      play.push(...heard);
      console.log(
        `  play via ${sender.name}: heard after ${heard.map(f3).join(' / ')} ms (holder / follower)`,
      );
    }
    latencies.push({ label: 'resume', ms: resume }, { label: 'play', ms: play });
    await r1.close();
    room = null;

    // ── Room 2: the follower's clock is shifted and skewed ───────────────────────────────
    const lib2 = path.join(work, 'lib2');
    mkdirSync(lib2);
    writeLibrary(lib2, { 'clicks-a.wav': trackA.wav });
    const longClicks = Math.round(LONG_SEC / 0.25);
    const longTrack = makeClickTrack(longClicks, 48_000, 23, { timingSeed: 29, channels: 1 });
    if (!flag('--skip-long')) {
      // FLAC keeps the long track small for the swarm: its clicks are short and the rest is digital silence.
      const wav = path.join(work, 'long.wav');
      writeFileSync(wav, longTrack.wav);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'flac', path.join(lib2, 'long.flac')]);
      rmSync(wav);
    }
    console.log(`\n4. Follower clock ${SKEW_ARGS.join(' ')} (load ${load()})`);
    room = await startPeerRoom({
      rig,
      libraryDir: lib2,
      followerArgs: SKEW_ARGS,
      settleSec: SETTLE_SEC,
      log: (l) => console.log(`  ${l}`),
    });
    const r2 = room;
    const tracks2 = await r2.tracks();
    const a2 = pick(tracks2, trackA);
    const skewed = await take(rig, r2, playOnFollower(r2, a2.trackId), trackA.clickTimesSec.at(-1)! + 0.3);
    record('skewed follower, track a', skewed.report, skewed.watch, trackA.clickTimesSec);

    if (!flag('--skip-long')) {
      const long = pick(tracks2, longTrack);
      const windowSec = 30;
      const lastSec = longTrack.clickTimesSec.at(-1)!;
      console.log(
        `\n5. ${(longTrack.durationSec / 60).toFixed(1)}-minute track, follower clock skewed (load ${load()})`,
      );
      const start = await take(rig, r2, playOnFollower(r2, long.trackId), windowSec, 250);
      record(`long track, first ${windowSec} s`, start.report, start.watch, longTrack.clickTimesSec);
      // Play on unrecorded to the last window, watching the engines all the way.
      const middle = await r2.waitPosition(lastSec - windowSec, {
        intervalMs: 1000,
        timeoutMs: (LONG_SEC + 120) * 1000,
      });
      console.log(`  middle (unrecorded): ${describeWatch(middle)}; load ${load()}`);
      const end = await take(rig, r2, async () => undefined, lastSec + 0.2, 250);
      record(`long track, last ${windowSec} s`, end.report, end.watch, longTrack.clickTimesSec);
      const status = (await (await apiFetch(r2.follower.ui, '/api/status')).json()) as {
        clock: { offsetMs: number; driftPpm: number; errorMs: number } | null;
      };
      console.log(`  follower's clock estimate at the end: ${JSON.stringify(status.clock)}`);
    }
    await r2.close();
    room = null;
  } finally {
    await room?.close();
    await rig.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (ONLY !== 'tuned') await untuned(trackA);

  // ── Summary ────────────────────────────────────────────────────────────────────────────
  printFigures(began);
  const first = figures.find((x) => x.label.startsWith('long track, first'));
  const last = figures.find((x) => x.label.startsWith('long track, last'));
  if (first && last) {
    const change = last.report.medianMs - first.report.medianMs;
    const met = Math.abs(change) <= TARGET.driftMs && last.report.p95AbsMs <= TARGET.p95Ms;
    console.log(
      `  ${met ? 'MET   ' : 'MISSED'} long track unchanged at the end (target: median moves ≤ ${TARGET.driftMs} ms, p95 still ≤ ${TARGET.p95Ms} ms): median ${f3(first.report.medianMs)} → ${f3(last.report.medianMs)} ms (change ${f3(change)}), p95 ${f3(first.report.p95AbsMs)} → ${f3(last.report.p95AbsMs)} ms`,
    );
  }
  console.log(
    `  target: command-to-sound ≤ ${TARGET.commandMs} ms (bounded below by the ${DEFAULT_LEAD_TIME_MS} ms playback lead time)`,
  );
  for (const { label, ms } of latencies) {
    const ok = ms.filter(Number.isFinite);
    const met = ok.length === ms.length && ok.every((v) => v <= TARGET.commandMs);
    console.log(
      `  ${met ? 'MET   ' : 'MISSED'} ${label}: median ${f3(median(ok))} ms, max ${f3(Math.max(...ok))} ms, min ${f3(Math.min(...ok))} ms (${ok.length} of ${ms.length} heard)`,
    );
  }
  console.log(
    '  time base error: −(sink render-ahead, ≤ ~10 ms) … +(render-to-file delay, ~1 ms); see recordTimed.',
  );
}

/** `n` rooms in turn, each playing `track` (which its skewed follower fetches) `settleSec` after its pages' audio started. */
async function freshRooms(
  rig: AcousticRig,
  work: string,
  track: ClickTrack,
  n: number,
  settleSec: number,
  label: string,
): Promise<void> {
  const lib = mkdtempSync(path.join(work, 'fresh-'));
  writeLibrary(lib, { 'clicks-a.wav': track.wav });
  console.log(
    `\n${label}: ${n}, each playing a track its follower fetches, ${settleSec} s after its pages' audio started (follower clock ${SKEW_ARGS.join(' ')}; load ${load()})`,
  );
  for (let i = 1; i <= n; i++) {
    const room = await startPeerRoom({
      rig,
      libraryDir: lib,
      followerArgs: SKEW_ARGS,
      settleSec,
      sampleReadings: !!DUMP_DIR,
    });
    try {
      const picked = pick(await room.tracks(), track);
      const result = DUMP_DIR
        ? await takeWithReadings(
            rig,
            room,
            playOnFollower(room, picked.trackId),
            track.clickTimesSec,
            DUMP_DIR,
          )
        : await take(rig, room, playOnFollower(room, picked.trackId), track.clickTimesSec.at(-1)! + 0.3);
      record(`${label} ${i}`, result.report, result.watch, track.clickTimesSec);
    } finally {
      await room.close();
    }
  }
}

/** The untuned rig (item 5 of the file comment): everything at normal priority, rooms 8 s old. */
async function untuned(track: ClickTrack): Promise<void> {
  process.env.FIREFLY_ACOUSTIC_RT = '0';
  currentRig = 'untuned';
  const work = mkdtempSync(path.join(os.tmpdir(), 'firefly-bench-sync-'));
  const rig = await startAcousticRig(2);
  try {
    await freshRooms(rig, work, track, UNTUNED_ROOMS, UNTUNED_SETTLE_SEC, 'untuned room');
  } finally {
    await rig.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The summary of every take: each against the targets, then all clicks pooled (the offset over several
 * tracks, after seeks and across the 10-minute track, as one set of figures), also against them.
 */
function printFigures(began: number): void {
  console.log(`\nSummary (load average now ${load()}; ${((Date.now() - began) / 60_000).toFixed(1)} min)`);
  console.log(`  target: |median offset| ≤ ${TARGET.medianMs} ms, p95 |offset| ≤ ${TARGET.p95Ms} ms`);
  const meets = (r: { medianMs: number; p95AbsMs: number }) =>
    Math.abs(r.medianMs) <= TARGET.medianMs && r.p95AbsMs <= TARGET.p95Ms;
  for (const { rig, label, report } of figures) {
    console.log(
      `  ${meets(report) ? 'MET   ' : 'MISSED'} ${rig} rig, ${label}: median ${f3(report.medianMs)} ms, p95 |${f3(report.p95AbsMs)}| ms, max |${f3(report.maxAbsMs)}| ms (${report.count} clicks)`,
    );
  }
  for (const rigName of ['tuned', 'untuned'] as const) {
    const of = figures.filter((x) => x.rig === rigName);
    if (of.length === 0) continue;
    const pooled = summarize(
      of.flatMap((x) => x.report.offsetsMs),
      of.flatMap((x) => x.report.onsetsSec),
      of.reduce((n, x) => n + x.report.unmatched, 0),
    );
    const takes = of.filter((x) => meets(x.report)).length;
    console.log(
      `  ${meets(pooled) ? 'MET   ' : 'MISSED'} ${rigName} rig, all clicks pooled: median ${f3(pooled.medianMs)} ms, p95 |${f3(pooled.p95AbsMs)}| ms, max |${f3(pooled.maxAbsMs)}| ms (${pooled.count} clicks); ${takes} of ${of.length} takes meet the targets`,
    );
  }
}

await main();
