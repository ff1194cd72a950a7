import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS, copyInto, seededBytes, testAudio, type FormatName } from '../../../test/audio/make-audio';
import { LibraryDb } from './db';
import { analyzeFile, ScratchBuffer, type FileAnalysis } from './scan-file';
import { ScanWorker, ScanWorkerLostError } from './scan-worker-pool';
import { LibraryScanner, ScanAbortedError } from './scanner';
import { componentLogger } from '../../shared/logger';

/** A 16-bit stereo 44.1 kHz WAV file around `samples`. */
const pcmWav = (samples: Uint8Array): Uint8Array => {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(44_100, 24);
  header.writeUInt32LE(44_100 * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
};

/** What must not depend on where a file was analysed; covers compared by length and first bytes. */
const comparable = (analysis: FileAnalysis) =>
  analysis.kind === 'track'
    ? {
        ...analysis,
        meta: {
          ...analysis.meta,
          cover: analysis.meta.cover && {
            mime: analysis.meta.cover.mime,
            sizeBytes: analysis.meta.cover.bytes.length,
            head: Array.from(analysis.meta.cover.bytes.subarray(0, 16)),
          },
        },
      }
    : analysis;

describe('scan workers', () => {
  let root: string;
  let music: string;
  let files: { path: string; sizeBytes: number }[];

  beforeAll(async () => {
    const audio = await testAudio();
    root = await mkdtemp(join(tmpdir(), 'firefly-scan-worker-'));
    music = join(root, 'music');
    const formats = Object.keys(FORMATS) as FormatName[];
    const paths = await copyInto(music, [
      ...formats.map((f) => audio.tones[f]),
      audio.withCover,
      audio.untagged,
      audio.longMp3,
      audio.truncated,
      audio.randomMp3,
      audio.empty,
    ]);
    // Many chunks, so chunk lists are compared across a real number of boundaries.
    const noise = join(music, 'noise.wav');
    await writeFile(noise, pcmWav(seededBytes(3 * 1024 * 1024, 42)));
    paths.push(noise);
    files = await Promise.all(paths.map(async (path) => ({ path, sizeBytes: (await stat(path)).size })));
  }, 120_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives the same analysis in a worker, in-thread and streamed', async () => {
    const worker = new ScanWorker();
    try {
      expect(await worker.ready).toBe(true);
      const scratch = new ScratchBuffer();
      let tracks = 0;
      for (const file of files) {
        const inWorker = await worker.analyze(file);
        const inThread = await analyzeFile(file, { scratch });
        const streamed = await analyzeFile(file, { wholeFileMaxBytes: 0, readSizeBytes: 64 * 1024 });
        expect(comparable(inWorker), file.path).toEqual(comparable(inThread));
        expect(comparable(streamed), file.path).toEqual(comparable(inThread));
        if (inThread.kind === 'track') tracks++;
      }
      expect(tracks).toBe(files.length - 3); // truncated, random bytes, empty
    } finally {
      await worker.close();
    }
  }, 120_000);

  it('reports corrupt and vanished files as skipped, with a reason, and keeps working', async () => {
    const worker = new ScanWorker();
    try {
      const byName = (name: string) => files.find((f) => f.path.endsWith(name))!;
      const random = await worker.analyze(byName('random-bytes.mp3'));
      expect(random.kind).toBe('skipped');
      const truncated = await worker.analyze(byName('truncated.flac'));
      expect(truncated.kind === 'skipped' && truncated.reason).toMatch(/^truncated/);
      const gone = await worker.analyze({ path: join(music, 'no-such-file.mp3'), sizeBytes: 1000 });
      expect(gone.kind === 'skipped' && gone.reason).toMatch(/^unreadable: .*ENOENT/);
      expect((await worker.analyze(byName('with-cover.mp3'))).kind).toBe('track');
    } finally {
      await worker.close();
    }
    await expect(worker.analyze(files[0]!)).rejects.toBeInstanceOf(ScanWorkerLostError);
  }, 60_000);

  it('indexes the same tracks, chunk lists and skipped files with and without workers', async () => {
    const scanWith = async (workers: number, inThreadWhileWorkersStart = true) => {
      const data = join(root, `data-${workers}-${inThreadWhileWorkersStart}`);
      await mkdir(data, { recursive: true });
      const db = LibraryDb.open(join(data, 'library.sqlite'));
      const scanner = new LibraryScanner(
        { db },
        { folders: [music], watch: false, workers, workerMinFiles: 1, inThreadWhileWorkersStart },
      );
      try {
        const summary = await scanner.scan();
        const tracks = db.localTracks();
        return {
          summary: { ...summary, durationMs: 0 },
          work: scanner.lastPassWork,
          tracks,
          chunks: tracks.map((t) => db.chunkList(t.id)),
          covers: tracks.map((t) => (t.coverHash ? db.cover(t.coverHash) : null)),
          skipped: db.skippedFiles(),
        };
      } finally {
        await scanner.stop();
        db.close();
      }
    };
    const inThread = await scanWith(0);
    const pooled = await scanWith(2, false);
    const mixed = await scanWith(2, true);
    expect(inThread.work).toEqual({ filesInWorkers: 0, filesInThread: files.length });
    expect(pooled.work).toEqual({ filesInWorkers: files.length, filesInThread: 0 });
    expect(mixed.work.filesInWorkers + mixed.work.filesInThread).toBe(files.length);
    for (const other of [pooled, mixed]) {
      expect(other.tracks).toEqual(inThread.tracks);
      expect(other.chunks).toEqual(inThread.chunks);
      expect(other.covers).toEqual(inThread.covers);
      expect(other.skipped).toEqual(inThread.skipped);
      expect(other.summary).toEqual(inThread.summary);
    }
    expect(inThread.chunks.some((list) => list.length > 20)).toBe(true);
    expect(inThread.skipped.map((s) => s.path.slice(music.length + 1)).sort()).toEqual([
      'empty.ogg',
      'random-bytes.mp3',
      'truncated.flac',
    ]);
  }, 120_000);

  it('falls back to the in-thread path when workers cannot start, and says so once', async () => {
    const broken = new URL('./no-such-scan-worker.js', import.meta.url);
    const lone = new ScanWorker({ url: broken });
    expect(await lone.ready).toBe(false);
    await expect(lone.analyze(files[0]!)).rejects.toBeInstanceOf(ScanWorkerLostError);

    const data = join(root, 'data-broken');
    await mkdir(data, { recursive: true });
    const db = LibraryDb.open(join(data, 'library.sqlite'));
    const logged: string[] = [];
    const scanner = new LibraryScanner(
      { db, logger: componentLogger((message) => logged.push(message)) },
      {
        folders: [music],
        watch: false,
        workerMinFiles: 1,
        inThreadWhileWorkersStart: false,
        workerUrl: broken,
      },
    );
    try {
      const first = await scanner.scan();
      expect(first.scanned + first.skipped).toBe(files.length);
      expect(scanner.lastPassWork).toEqual({ filesInWorkers: 0, filesInThread: files.length });
      await writeFile(join(music, 'late.wav'), pcmWav(seededBytes(400 * 1024, 7)));
      const second = await scanner.scan();
      expect(second.scanned).toBe(1);
      expect(logged.filter((m) => m.includes('cannot start'))).toHaveLength(1);
    } finally {
      await scanner.stop();
      db.close();
      await rm(join(music, 'late.wav'), { force: true });
    }
  }, 120_000);

  it('stops a pooled scan on abort, keeps what it wrote, and finishes on the next pass', async () => {
    // Enough files that the first batch is written (and announced) while others are still queued.
    const many = join(root, 'many');
    const tracks = files.filter((f) => f.path.endsWith('.mp3') || f.path.endsWith('.flac'));
    await mkdir(many, { recursive: true });
    for (let i = 0; i < 150; i++) {
      const source = tracks[i % tracks.length]!;
      await copyFile(source.path, join(many, `copy-${i}-${basename(source.path)}`));
    }
    const data = join(root, 'data-abort');
    await mkdir(data, { recursive: true });
    const db = LibraryDb.open(join(data, 'library.sqlite'));
    const scanner = new LibraryScanner(
      { db },
      { folders: [many], watch: false, workers: 2, workerMinFiles: 1, inThreadWhileWorkersStart: false },
    );
    try {
      const controller = new AbortController();
      const off = scanner.on('scan:progress', ({ done }) => {
        if (done >= 1) controller.abort();
      });
      await expect(scanner.scan({ signal: controller.signal })).rejects.toBeInstanceOf(ScanAbortedError);
      off();
      const written = db.fileStates().size + db.skippedFiles().length;
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(150);
      const summary = await scanner.scan();
      expect(summary.unchanged).toBe(written);
      expect(summary.scanned).toBeGreaterThan(0);
      expect(summary.files).toBe(150);
      expect(db.fileStates().size + db.skippedFiles().length).toBe(150);
    } finally {
      await scanner.stop();
      db.close();
    }
  }, 120_000);
});
