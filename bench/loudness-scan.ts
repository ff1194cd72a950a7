/**
 * Loudness part of the library benchmark, run by bench/chunks.ts (`--no-loudness` skips it).
 *
 * 1. Scan throughput with the loudness pass busy. The pass is attached to the scanner exactly as
 *    the peer wires it (src/main/peer/wire.ts: a LoudnessStore on the index, `filesOf` from the
 *    index, the scanner's events; ffmpeg at the lowest priority, waiting while a scan runs; a scan
 *    that starts stops the file being measured). Each run: a new index of a few minute-long tones
 *    of its own (`BUSY_FILES`, made once with ffmpeg: none of the library's content), the pass
 *    measuring them for `LOUDNESS_BUSY_MS`, then the whole mixed library hard-linked in beside them
 *    (instant) and scanned: a first scan of the 500 files, the pass busy when it starts, so the
 *    figure stands beside the plain first scan and its target. The same runs without the pass (same
 *    method, same wait) give the figure beside it. Runs with and without alternate in order; the
 *    median of `--runs` of each is printed.
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
import { makeTone } from '../test/audio/make-audio';
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

/** Hard-links every file of `music` into `folder`, keeping subfolders. */
const linkAll = async (music: string, folder: string): Promise<void> => {
  const entries = await readdir(music, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const from = join(e.parentPath, e.name);
    const to = join(folder, relative(music, from));
    await mkdir(dirname(to), { recursive: true });
    await link(from, to);
  }
};

/** Tones the pass measures while the library's scan starts: minute-long MP3s, made once. */
const BUSY_FILES = 20;
const makeBusySet = async (folder: string): Promise<void> => {
  await mkdir(folder, { recursive: true });
  for (let i = 0; i < BUSY_FILES; i++)
    await makeTone(join(folder, `busy-${i}.mp3`), {
      format: 'mp3',
      durationSec: 60,
      frequencyHz: 220 + 20 * i,
    });
};

/** One run of part 1: the busy set scanned, a wait, the whole library linked in and scanned; the pass attached or not. */
const busyThenLibrary = async (music: string, busySet: string, withPass: boolean) => {
  const folder = await mkdtemp(join(tmpdir(), 'firefly-bench-busy-'));
  try {
    await linkAll(busySet, join(folder, 'busy'));
    return await withIndex([folder], undefined, async (scanner, db) => {
      const loudness = withPass ? attachPass(db, scanner) : null;
      try {
        const first = await timedScan(scanner, db);
        await sleep(LOUDNESS_BUSY_MS);
        const readBefore = loudness ? readTrackIds(db, loudness.store).length : 0;
        await linkAll(music, join(folder, 'library'));
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
  `; pass had read ${r.readBefore} of the ${r.first.tracks} busy tracks before it, ${r.readDuring} during it, ` +
  `ffmpeg CPU reaped during it ${r.second.childCpuSec.toFixed(2)} s`;

/** Part 1: the library's first scan with the pass busy, beside the same without it. */
const scanWithPassBusy = async (music: string, runs: number): Promise<void> => {
  const busySet = await mkdtemp(join(tmpdir(), 'firefly-bench-busyset-'));
  const rates = { with: [] as number[], without: [] as number[] };
  try {
    await makeBusySet(busySet);
    for (let run = 1; run <= runs; run++) {
      for (const withPass of run % 2 === 1 ? [false, true] : [true, false]) {
        const r = await busyThenLibrary(music, busySet, withPass);
        const name = withPass ? 'with pass' : 'no pass';
        if (withPass && (r.readBefore === 0 || r.readBefore >= r.first.tracks))
          console.log(`[loudness] run ${run}: the pass was not busy when the library's scan started`);
        console.log(
          `[loudness] ${name} run ${run}: library's scan ${scanLine(r.second)}` +
            (withPass ? passNote(r) : ''),
        );
        (withPass ? rates.with : rates.without).push(r.second.filesPerSec);
      }
    }
  } finally {
    await rm(busySet, { recursive: true, force: true });
  }
  const withRate = median(rates.with);
  console.log(
    `[loudness] first scan of the library while the pass is busy, median of ${runs}: ${withRate.toFixed(0)} files/s ` +
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
    `\n[loudness] scan with the loudness pass busy (${LOUDNESS_BUSY_MS / 1000} s of pass before the library's scan)`,
  );
  await scanWithPassBusy(options.music, options.runs);
  console.log(`\n[loudness] the pass's own throughput (at most ${options.measureSec} s)`);
  await passThroughput(options.music, options.measureSec);
};
