/**
 * Loudness part of the library benchmark, run by bench/chunks.ts (`--no-loudness` skips it).
 *
 * 1. Scan throughput with the loudness pass busy. The pass is attached to the scanner exactly as
 *    the peer wires it (src/main/peer/wire.ts: a LoudnessStore on the index, `filesOf` from the
 *    index, the scanner's events; ffmpeg at the lowest priority, waiting while a scan runs; the
 *    file being measured when a scan starts is finished). Each run: hard-link every other file
 *    of the mixed library (250 of 500, all formats) into a new folder, first scan into a new
 *    index, wait `LOUDNESS_BUSY_MS` (the pass measures meanwhile), hard-link the other half in
 *    (instant), scan again. The second scan's new-file rate is the figure, against the first-scan
 *    target; the same runs without the pass (same method, same wait) give the figure beside it.
 *    Runs with and without alternate in order; the median of `--runs` of each is printed.
 * 2. The pass's own throughput: a first scan of the whole mixed library into a new index with the
 *    pass attached, then the pass alone, for at most `--loudness-sec` (default 60) s or until it
 *    is idle: tracks read per second, minutes of audio per second, CPU seconds of ffmpeg per
 *    minute of audio (the children's CPU from /proc, Linux only), and the time for every file
 *    (extrapolated from the sample when the cap stops it, and said so). ffmpeg runs at nice 19,
 *    so on a shared machine this figure depends on the load, which is printed.
 */
import { link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LibraryDb, LibraryScanner } from '../src/main/library/index';
import { LoudnessPass } from '../src/main/library/loudness-pass';
import { LoudnessStore } from '../src/main/library/loudness-store';
import {
  TARGET_FIRST_SCAN_FILES_PER_SEC,
  childCpuSec,
  loadText,
  median,
  scanLine,
  timedScan,
  withIndex,
  type TimedScan,
} from './scan-timing';
import { verdict } from './stats';

/** How long the pass measures between the two scans of a run, so it is busy when the second starts. */
const LOUDNESS_BUSY_MS = 5000;

export interface LoudnessBenchOptions {
  /** The mixed library's folder. */
  music: string;
  runs: number;
  /** Cap of part 2, in seconds. */
  measureSec: number;
}

/** The pass as src/main/peer/wire.ts builds it (without the room sharing around it), started. */
const attachPass = (db: LibraryDb, scanner: LibraryScanner) => {
  const store = new LoudnessStore(db.db);
  const pass = new LoudnessPass({ store, filesOf: (trackId) => db.filesOfTrack(trackId), scanner });
  pass.start();
  return { store, pass };
};

/** Ids of the local tracks the pass has read (measured, tags, or failed). */
const readTrackIds = (db: LibraryDb, store: LoudnessStore): string[] => {
  const unread = new Set(store.unmeasured(1e9));
  return db
    .localTracks()
    .map((t) => t.id)
    .filter((id) => !unread.has(id));
};

/** Hard-links every other file of `music` (half 0 or 1, in sorted order) into `folder`, keeping subfolders. */
const linkHalf = async (music: string, folder: string, half: 0 | 1): Promise<void> => {
  const entries = await readdir(music, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const [i, file] of files.entries()) {
    if (i % 2 !== half) continue;
    const to = join(folder, relative(music, file));
    await mkdir(dirname(to), { recursive: true });
    await link(file, to);
  }
};

/** One run of part 1: half the library, a wait, the other half; the pass attached or not. */
const halfThenHalf = async (music: string, withPass: boolean) => {
  const folder = await mkdtemp(join(tmpdir(), 'firefly-bench-half-'));
  try {
    await linkHalf(music, folder, 0);
    return await withIndex([folder], undefined, async (scanner, db) => {
      const loudness = withPass ? attachPass(db, scanner) : null;
      try {
        const first = await timedScan(scanner, db);
        await sleep(LOUDNESS_BUSY_MS);
        const readBefore = loudness ? readTrackIds(db, loudness.store).length : 0;
        await linkHalf(music, folder, 1);
        const second = await timedScan(scanner, db);
        const readDuring = loudness ? readTrackIds(db, loudness.store).length - readBefore : 0;
        return { first, second, readBefore, readDuring };
      } finally {
        await loudness?.pass.stop();
      }
    });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
};

const passNote = (r: { first: TimedScan; second: TimedScan; readBefore: number; readDuring: number }) =>
  `; pass had read ${r.readBefore} of ${r.first.tracks} tracks before it, ${r.readDuring} during it, ` +
  `ffmpeg CPU reaped during it ${r.second.childCpuSec.toFixed(2)} s`;

/** Part 1: the second scan's new-file rate with the pass busy, beside the same without it. */
const scanWithPassBusy = async (music: string, runs: number): Promise<void> => {
  const rates = { with: [] as number[], without: [] as number[] };
  for (let run = 1; run <= runs; run++) {
    for (const withPass of run % 2 === 1 ? [false, true] : [true, false]) {
      const r = await halfThenHalf(music, withPass);
      const name = withPass ? 'with pass' : 'no pass';
      if (withPass && (r.readBefore === 0 || r.readBefore >= r.first.tracks))
        console.log(`[loudness] run ${run}: the pass was not busy when the second scan started`);
      console.log(
        `[loudness] ${name} run ${run}: second scan ${scanLine(r.second)}` + (withPass ? passNote(r) : ''),
      );
      (withPass ? rates.with : rates.without).push(r.second.filesPerSec);
    }
  }
  const withRate = median(rates.with);
  console.log(
    `[loudness] scan of new files while the pass is busy, median of ${runs}: ${withRate.toFixed(0)} files/s ` +
      `(no pass: ${median(rates.without).toFixed(0)} files/s; target >= ${TARGET_FIRST_SCAN_FILES_PER_SEC} files/s: ` +
      `${verdict(withRate >= TARGET_FIRST_SCAN_FILES_PER_SEC)})`,
  );
};

/** Part 2: the pass alone after a first scan of the whole library, for at most `measureSec`. */
const passThroughput = async (music: string, measureSec: number): Promise<void> => {
  await withIndex([music], undefined, async (scanner, db) => {
    const { store, pass } = attachPass(db, scanner);
    try {
      const scan = await timedScan(scanner, db);
      const loadBefore = loadText();
      const cpuBefore = await childCpuSec();
      const started = performance.now();
      const finished = await Promise.race([
        pass.idle().then(() => true),
        sleep(measureSec * 1000, false, { ref: false }),
      ]);
      const sec = (performance.now() - started) / 1000;
      const cpuSec = (await childCpuSec()) - cpuBefore;
      const read = new Set(readTrackIds(db, store));
      const failed = [...read].filter((id) => store.get(id) === null).length;
      const audioMin =
        db.localTracks().reduce((sum, t) => sum + (read.has(t.id) ? t.durationSec : 0), 0) / 60;
      const allSec = finished ? sec : (sec * scan.tracks) / read.size;
      console.log(
        `[loudness] pass alone after a first scan of ${scan.tracks} tracks: read ${read.size} (${failed} failed), ` +
          `${audioMin.toFixed(1)} min of audio, in ${sec.toFixed(1)} s${finished ? ' (all)' : ` (capped at ${measureSec} s)`}: ` +
          `${(read.size / sec).toFixed(2)} tracks/s, ${(audioMin / sec).toFixed(2)} min of audio per s; ` +
          `ffmpeg CPU ${cpuSec.toFixed(1)} s = ${(cpuSec / audioMin).toFixed(2)} s per min of audio; load ${loadBefore} -> ${loadText()}`,
      );
      console.log(
        `[loudness] time to read all ${scan.tracks} tracks: ${allSec.toFixed(0)} s` +
          (finished ? '' : ` (extrapolated from ${read.size} tracks in ${sec.toFixed(0)} s)`),
      );
    } finally {
      await pass.stop();
    }
  });
};

/** Both parts, printed. */
export const loudnessBench = async (options: LoudnessBenchOptions): Promise<void> => {
  console.log(
    `\n[loudness] scan with the loudness pass busy (${LOUDNESS_BUSY_MS / 1000} s of pass before the second half)`,
  );
  await scanWithPassBusy(options.music, options.runs);
  console.log(`\n[loudness] the pass's own throughput (at most ${options.measureSec} s)`);
  await passThroughput(options.music, options.measureSec);
};
