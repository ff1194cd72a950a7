/** Timed library scans into new indexes, shared by bench/chunks.ts and bench/loudness-scan.ts. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LibraryDb, LibraryScanner } from '../src/main/library/index';

export const TARGET_FIRST_SCAN_FILES_PER_SEC = 200;

/** The three load averages, for the printed lines. */
export const loadText = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * CPU seconds (user + system) of this process's child processes that have exited and been
 * reaped, from /proc/self/stat (cutime + cstime, in USER_HZ = 100 ticks); NaN off Linux.
 */
export const childCpuSec = async (): Promise<number> => {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces; cutime is field 16.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
};

/**
 * The scan worker the app runs, built (`npm run build`), used when FIREFLY_PEER_BUILT=1 as the peer benches do;
 * otherwise the source's, which each worker compiles with tsx when it starts (about a quarter of a second of a
 * core per worker, inside every timed first scan, that no user pays).
 */
export const scanWorker = (): { url: URL | undefined; label: string } => {
  if (process.env.FIREFLY_PEER_BUILT !== '1') return { url: undefined, label: 'source worker (tsx)' };
  const built = resolve(import.meta.dirname, '..', 'out', 'main', 'scan-worker.js');
  if (!existsSync(built))
    throw new Error('FIREFLY_PEER_BUILT=1 but out/main/scan-worker.js is missing: run npm run build');
  return { url: pathToFileURL(built), label: 'built worker (out/main)' };
};

/** Runs `fn` with a scanner of `folders` over a new index (workers undefined = the scanner's default), then removes it. */
export const withIndex = async <T>(
  folders: readonly string[],
  workers: number | undefined,
  fn: (scanner: LibraryScanner, db: LibraryDb) => Promise<T>,
): Promise<T> => {
  const data = await mkdtemp(join(tmpdir(), 'firefly-bench-data-'));
  const db = LibraryDb.open(join(data, 'library.sqlite'));
  const scanner = new LibraryScanner({ db }, { folders, watch: false, workers, workerUrl: scanWorker().url });
  try {
    return await fn(scanner, db);
  } finally {
    await scanner.stop();
    db.close();
    await rm(data, { recursive: true, force: true });
  }
};

/** One scan, with its rates, this process's CPU (all threads), its children's CPU and the load around it. */
export const timedScan = async (scanner: LibraryScanner, db: LibraryDb) => {
  const loadBefore = loadText();
  const cpu = process.cpuUsage();
  const childCpu = await childCpuSec();
  const summary = await scanner.scan();
  const used = process.cpuUsage(cpu);
  const sec = summary.durationMs / 1000;
  return {
    scanned: summary.scanned,
    unchanged: summary.unchanged,
    skipped: summary.skipped,
    bytes: summary.bytesRead,
    tracks: db.localTracks().length,
    sec,
    filesPerSec: summary.scanned / sec,
    mbPerSec: summary.bytesRead / 1e6 / sec,
    work: scanner.lastPassWork,
    cpuSec: (used.user + used.system) / 1e6,
    childCpuSec: (await childCpuSec()) - childCpu,
    loadBefore,
    loadAfter: loadText(),
  };
};

export type TimedScan = Awaited<ReturnType<typeof timedScan>>;

/** The line the bench prints for one scan. */
export const scanLine = (r: TimedScan): string =>
  `${r.scanned} files (${(r.bytes / 1e6).toFixed(0)} MB, ${r.tracks} tracks, ${r.skipped} skipped) ` +
  `in ${r.sec.toFixed(2)} s = ${r.filesPerSec.toFixed(0)} files/s, ${r.mbPerSec.toFixed(0)} MB/s; ` +
  `files in workers/in-thread ${r.work.filesInWorkers}/${r.work.filesInThread}; CPU ${r.cpuSec.toFixed(2)} s; ` +
  `load ${r.loadBefore} -> ${r.loadAfter}`;

/** The median of a non-empty list (the middle one, or the upper of the two middle ones). */
export const median = (values: readonly number[]): number =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
