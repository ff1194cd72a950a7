/**
 * Library and chunk benchmark.
 *
 *   [FIREFLY_PEER_BUILT=1] npx tsx bench/chunks.ts [--fresh] [--files 500] [--rescan-files 10000] [--runs 3] [--in-thread]
 *                           [--no-loudness] [--loudness-sec 60]
 *
 * Scan part (measured here):
 *   1. first scan of a mixed-format library (default 500 files: 50 distinct 30–90 s encodes in
 *      MP3/FLAC/Ogg Vorbis/Opus/WAV/M4A, each retagged into 10 variants), files/s and MB/s, as the
 *      median of `--runs` first scans (each into a new index), with the scanner's defaults (worker
 *      threads, one per core); `--in-thread` also measures the same scans with workers off;
 *   2. the same library scanned while the loudness pass is busy, and the pass's own throughput
 *      (bench/loudness-scan.ts states its method; `--no-loudness` skips it);
 *   3. rescan of 10,000 unchanged files (small copies of short tones), wall time.
 *
 * Method, stated so the figures can be judged:
 *   - Every file is distinct (the variants differ in their tags, so all 500 get their own track id;
 *     the bench checks this), but variants of one source share their audio bytes. The scanner
 *     still reads, chunks and hashes every byte of every file, so this does not flatter it.
 *   - The files are in the page cache: they were just generated, or were read by a warm-up pass
 *     right before the scans (done here, so every run starts from the same state). This measures
 *     the CPU side of scanning; a cold first scan from disk is bounded by the disk instead.
 *   - Worker start-up is inside the timing. With FIREFLY_PEER_BUILT=1 the workers are the built ones the app
 *     runs (`npm run build` first); otherwise each compiles the worker's TypeScript with tsx as it starts.
 *   - The machine may be shared: the load averages before and after, and the process CPU time
 *     (all threads), are printed with each run.
 * Transfer and swarm figures come from bench/swarm.ts.
 *
 * Generated audio is kept under the OS temp dir between runs (`--fresh` regenerates it); the
 * library index and chunk store are always new, so every first scan is a real first scan.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openLibrary } from '../src/main/library/index';
import { FFMPEG, FORMATS, makeTone, type FormatName } from '../test/audio/make-audio';
import { loudnessBench } from './loudness-scan';
import {
  TARGET_FIRST_SCAN_FILES_PER_SEC,
  median,
  scanLine,
  scanWorker,
  timedScan,
  withIndex,
} from './scan-timing';
import { verdict } from './stats';

const run = promisify(execFile);

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const TARGET_RESCAN_10K_MS = 2000;

const FILES = option('files', 500);
const RUNS = option('runs', 3);
const RESCAN_FILES = option('rescan-files', 10_000);
const DISTINCT = Math.min(50, FILES);
const BENCH_ROOT = join(tmpdir(), 'firefly-bench-library-v1');

/** Runs `fn` over `items` with at most `limit` in flight. */
const pool = async <T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
};

const countFiles = async (dir: string): Promise<number> =>
  (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).length;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The mixed library: DISTINCT encodes, each retagged (stream copy) into FILES / DISTINCT variants. */
const makeMixedLibrary = async (dir: string): Promise<void> => {
  if ((await exists(join(dir, 'complete'))) && (await countFiles(join(dir, 'music'))) === FILES) return;
  await rm(dir, { recursive: true, force: true });
  const sources = join(dir, 'sources');
  const music = join(dir, 'music');
  await mkdir(sources, { recursive: true });
  const formats = Object.keys(FORMATS) as FormatName[];
  const started = performance.now();
  const encodes = Array.from({ length: DISTINCT }, (_, i) => {
    const format = formats[i % formats.length]!;
    return {
      format,
      path: join(sources, `src-${i}.${FORMATS[format].ext}`),
      durationSec: 30 + ((i * 37) % 61),
    };
  });
  await pool(encodes, availableParallelism(), async (e, i) => {
    await makeTone(e.path, {
      format: e.format,
      durationSec: e.durationSec,
      frequencyHz: 110 + i * 13,
      noise: true,
      tags: {
        title: `Source ${i}`,
        artist: `Artist ${i % 7}`,
        album: `Album ${i % 11}`,
        track: (i % 12) + 1,
      },
    });
  });
  process.stdout.write(
    `  encoded ${DISTINCT} sources in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );

  const perSource = Math.ceil(FILES / DISTINCT);
  const variants = Array.from({ length: FILES }, (_, n) => {
    const source = encodes[n % DISTINCT]!;
    const variant = Math.floor(n / DISTINCT);
    return {
      source,
      variant,
      path: join(music, `artist-${n % 7}`, `v${variant}-${n}.${FORMATS[source.format].ext}`),
    };
  });
  for (let a = 0; a < 7; a++) await mkdir(join(music, `artist-${a}`), { recursive: true });
  await pool(variants, availableParallelism() * 2, async (v) => {
    if (v.variant === 0) return copyFile(v.source.path, v.path);
    await run(FFMPEG, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-i',
      v.source.path,
      '-map',
      '0',
      '-c',
      'copy',
      '-metadata',
      `title=Variant ${v.variant} of ${v.source.path.slice(-12)}`,
      '-metadata',
      `track=${v.variant + 1}`,
      v.path,
    ]);
  });
  await writeFile(join(dir, 'complete'), `${FILES} files, ${perSource} per source\n`);
  process.stdout.write(`  wrote ${FILES} files in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
};

/** RESCAN_FILES small files (copies of 20 one-second tones) in 100 folders. */
const makeManySmallFiles = async (dir: string): Promise<void> => {
  if ((await exists(join(dir, 'complete'))) && (await countFiles(join(dir, 'music'))) === RESCAN_FILES)
    return;
  await rm(dir, { recursive: true, force: true });
  const sources = join(dir, 'sources');
  await mkdir(sources, { recursive: true });
  const formats = Object.keys(FORMATS) as FormatName[];
  const tones = Array.from({ length: 20 }, (_, i) => {
    const format = formats[i % formats.length]!;
    return { format, path: join(sources, `tone-${i}.${FORMATS[format].ext}`) };
  });
  await pool(tones, availableParallelism(), (t, i) =>
    makeTone(t.path, {
      format: t.format,
      durationSec: 1,
      frequencyHz: 200 + 40 * i,
      tags: { title: `Tone ${i}` },
    }),
  );
  const music = join(dir, 'music');
  for (let d = 0; d < 100; d++) await mkdir(join(music, `folder-${d}`), { recursive: true });
  const copies = Array.from({ length: RESCAN_FILES }, (_, n) => n);
  await pool(copies, 32, async (n) => {
    const tone = tones[n % tones.length]!;
    await copyFile(tone.path, join(music, `folder-${n % 100}`, `copy-${n}.${FORMATS[tone.format].ext}`));
  });
  await writeFile(join(dir, 'complete'), `${RESCAN_FILES} files\n`);
};

/** Reads every file once so each scan starts with the same (hot) page cache. */
const warmUp = async (dir: string): Promise<{ files: number; bytes: number }> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let bytes = 0;
  let files = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    bytes += (await readFile(join(entry.parentPath, entry.name))).length;
    files++;
  }
  return { files, bytes };
};

/** One first scan of `folder` into a new index; `workers` undefined = the scanner's default. */
const firstScan = (folder: string, workers: number | undefined) =>
  withIndex([folder], workers, (scanner, db) => timedScan(scanner, db));

const main = async () => {
  if (flag('fresh')) await rm(BENCH_ROOT, { recursive: true, force: true });
  console.log(`Firefly library benchmark (${availableParallelism()} cores, data under ${BENCH_ROOT})`);

  console.log(`\n[scan] preparing ${FILES} mixed-format files`);
  const mixed = join(BENCH_ROOT, 'mixed');
  await makeMixedLibrary(mixed);
  const warmed = await warmUp(join(mixed, 'music'));
  console.log(
    `[scan] warm-up read of ${warmed.files} files (${(warmed.bytes / 1e6).toFixed(0)} MB): page cache hot`,
  );
  console.log(`[scan] ${scanWorker().label}`);
  const modes: Array<{ name: string; workers: number | undefined }> = [
    { name: 'default', workers: undefined },
  ];
  if (flag('in-thread')) modes.push({ name: 'in-thread', workers: 0 });
  for (const mode of modes) {
    const rates: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await firstScan(join(mixed, 'music'), mode.workers);
      rates.push(r.filesPerSec);
      console.log(`[scan] ${mode.name} run ${run}: ${scanLine(r)}`);
      if (r.tracks !== FILES) throw new Error(`expected ${FILES} distinct tracks, got ${r.tracks}`);
    }
    const rate = median(rates);
    console.log(
      `[scan] first scan (${mode.name}), median of ${RUNS}: ${rate.toFixed(0)} files/s ` +
        `(target >= ${TARGET_FIRST_SCAN_FILES_PER_SEC} files/s: ${verdict(rate >= TARGET_FIRST_SCAN_FILES_PER_SEC)})`,
    );
  }

  if (!flag('no-loudness'))
    await loudnessBench({ music: join(mixed, 'music'), runs: RUNS, measureSec: option('loudness-sec', 60) });

  console.log(`\n[scan] preparing ${RESCAN_FILES} small files for the rescan`);
  const many = join(BENCH_ROOT, 'many');
  await makeManySmallFiles(many);
  {
    const data = await mkdtemp(join(tmpdir(), 'firefly-bench-data-'));
    const services = await openLibrary({ dataDir: data, folders: [join(many, 'music')], watch: false });
    try {
      const first = await services.scanner.scan();
      console.log(
        `[scan] first scan of ${first.scanned} small files: ${(first.durationMs / 1000).toFixed(2)} s ` +
          `(${(first.scanned / (first.durationMs / 1000)).toFixed(0)} files/s)`,
      );
      const rescan = await services.scanner.scan();
      if (rescan.scanned !== 0) throw new Error(`rescan re-read ${rescan.scanned} unchanged files`);
      console.log(
        `[scan] unchanged rescan of ${rescan.unchanged} files: ${rescan.durationMs.toFixed(0)} ms ` +
          `(target <= ${TARGET_RESCAN_10K_MS} ms for 10,000: ` +
          `${verdict(rescan.durationMs * (10_000 / rescan.unchanged) <= TARGET_RESCAN_10K_MS)})`,
      );
    } finally {
      await services.stop();
      await rm(data, { recursive: true, force: true });
    }
  }

  console.log('\n[transfer] pair and swarm transfer: bench/swarm.ts (npm run bench:chunks runs both)');
};

await main();
