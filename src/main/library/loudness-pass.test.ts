/** The loudness pass with the real ffmpeg, real files and a real SQLite index. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LibraryDb, type TrackRecord } from './db';
import { FfmpegMissingError, measureLoudness, parseEbur128Summary } from './ebur128';
import { LoudnessPass } from './loudness-pass';
import { LoudnessStore } from './loudness-store';
import { componentLogger, silentLogger } from '../../shared/logger';
import { TypedEventTarget } from '../../shared/events';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-loudness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A stereo 1 kHz sine whose peak is `peakDb` dBFS in both channels: EBU R128 reads it at `peakDb`
 * LUFS (EBU Tech 3341's calibration: such a sine at −18 dBFS is −18 LUFS).
 */
async function sine(name: string, peakDb: number, extra: string[] = []): Promise<string> {
  const file = path.join(dir, name);
  const amplitude = 10 ** (peakDb / 20);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `aevalsrc=${amplitude}*sin(2*PI*1000*t)|${amplitude}*sin(2*PI*1000*t):s=48000:d=6`],
    ...extra,
    file,
  ]);
  return file;
}

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const record = (seed: string): TrackRecord => ({
  id: hex(seed),
  title: seed,
  artist: '',
  album: '',
  trackNo: null,
  durationSec: 6,
  codec: 'flac',
  container: 'FLAC',
  sizeBytes: 1,
  hasCover: false,
  chunkCount: 0,
  coverHash: null,
  coverMime: null,
});

let files: Record<'loud' | 'quiet' | 'tagged' | 'broken', string>;
beforeAll(async () => {
  const broken = path.join(dir, 'broken.flac');
  writeFileSync(broken, Buffer.from('fLaC this is not really a flac file'));
  files = {
    loud: await sine('loud.flac', -1),
    quiet: await sine('quiet.flac', -20),
    tagged: await sine('tagged.flac', -6, [
      ...['-metadata', 'REPLAYGAIN_TRACK_GAIN=-4.50 dB', '-metadata', 'REPLAYGAIN_TRACK_PEAK=0.501187'],
      ...['-metadata', 'REPLAYGAIN_ALBUM_GAIN=-5.00 dB', '-metadata', 'REPLAYGAIN_ALBUM_PEAK=0.6'],
    ]),
    broken,
  };
}, 60_000);

function library() {
  const db = LibraryDb.open(path.join(mkdtempSync(path.join(dir, 'db-')), 'library.sqlite'));
  for (const [name, file] of Object.entries(files))
    db.recordFile({ path: file, sizeBytes: 1, mtimeMs: 1 }, record(name), []);
  return { db, store: new LoudnessStore(db.db), id: (name: string) => hex(name) };
}

describe('ebur128 summary', () => {
  it('reads integrated loudness and true peak; -70 LUFS and -inf are silence', () => {
    const tail =
      'Summary:\n\n  Integrated loudness:\n    I:         -14.2 LUFS\n    Threshold: -24.3 LUFS\n\n  True peak:\n    Peak:       -0.4 dBFS\n';
    expect(parseEbur128Summary(`[Parsed_ebur128_0] t: 1 I: -9 LUFS\n${tail}`)).toEqual({
      lufs: -14.2,
      truePeakDb: -0.4,
    });
    expect(parseEbur128Summary(tail.replace('-14.2', '-70.0').replace('-0.4', '-inf'))).toEqual({
      lufs: null,
      truePeakDb: null,
    });
    expect(parseEbur128Summary('no summary here')).toBeNull();
  });

  it('says so when ffmpeg is missing', async () => {
    await expect(
      measureLoudness(files.quiet, { ffmpeg: path.join(dir, 'no-ffmpeg') }),
    ).rejects.toBeInstanceOf(FfmpegMissingError);
  });

  it('measures a calibrated sine as EBU R128 says', async () => {
    const reading = await measureLoudness(files.quiet);
    expect(reading.lufs).toBeCloseTo(-20, 0);
    expect(reading.truePeakDb).toBeCloseTo(-20, 0);
  });
});

describe('the loudness pass', () => {
  it('measures each local track once, takes complete ReplayGain tags without decoding, notes failures', async () => {
    const { db, store, id } = library();
    const scanner = new TypedEventTarget<Record<'scan:progress' | 'scan:done', undefined>>(
      silentLogger.forComponent('firefly:test'),
    );
    const decoded: string[] = [];
    const pass = new LoudnessPass(
      {
        store,
        filesOf: (t) => db.filesOfTrack(t),
        scanner,
        logger: silentLogger,
        measure: (p, o) => (decoded.push(path.basename(p)), measureLoudness(p, o)),
      },
      { batchSize: 2 },
    );
    const batches: string[][] = [];
    pass.events.on('loudness:measured', ({ entries }) => batches.push(entries.map((e) => e.trackId)));
    // Nothing runs before a scan finished, nor while one runs.
    pass.start();
    scanner.emit('scan:progress', undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(decoded).toEqual([]);
    scanner.emit('scan:done', undefined);
    await pass.idle();

    expect(decoded.sort()).toEqual(['broken.flac', 'loud.flac', 'quiet.flac']);
    expect(store.get(id('loud'))?.lufs).toBeCloseTo(-1, 0);
    expect(store.get(id('loud'))?.truePeakDb).toBeGreaterThan(-1.5);
    expect(store.get(id('quiet'))?.lufs).toBeCloseTo(-20, 0);
    expect(store.get(id('tagged'))).toEqual({
      lufs: null,
      truePeakDb: null,
      rgTrackGainDb: -4.5,
      rgTrackPeak: expect.closeTo(0.501187, 5),
      rgAlbumGainDb: -5,
      rgAlbumPeak: expect.closeTo(0.6, 5),
    });
    expect(store.get(id('broken'))).toBeNull();
    expect(batches.flat().sort()).toEqual([id('loud'), id('quiet'), id('tagged')].sort());
    expect(
      store
        .local()
        .map((l) => l.trackId)
        .sort(),
    ).toEqual(batches.flat().sort());

    // Nothing is measured twice, the failed file included, until a new track appears.
    decoded.length = 0;
    pass.kick();
    await pass.idle();
    expect(decoded).toEqual([]);
    await pass.stop();
    db.close();
  }, 60_000);

  it('stops the file it measures when a scan starts, and measures it again after the scan', async () => {
    const { db, store, id } = library();
    const scanner = new TypedEventTarget<Record<'scan:progress' | 'scan:done', undefined>>(
      silentLogger.forComponent('firefly:test'),
    );
    const calls: string[] = [];
    let stopped = 0;
    let hanging = false;
    const pass = new LoudnessPass({
      store,
      filesOf: (t) => db.filesOfTrack(t),
      scanner,
      logger: silentLogger,
      measure: (p, o) => {
        calls.push(path.basename(p));
        if (calls.length > 1) return measureLoudness(p, o);
        // The first file's measurement runs until something stops it.
        return new Promise((_, reject) => {
          hanging = true;
          o.signal.addEventListener('abort', () => {
            stopped++;
            reject(new Error('aborted'));
          });
        });
      },
    });
    pass.start();
    scanner.emit('scan:done', undefined);
    await vi.waitFor(() => expect(hanging).toBe(true));
    const interrupted = calls[0]!;
    scanner.emit('scan:progress', undefined);
    scanner.emit('scan:progress', undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Stopped once, and nothing more read while the scan runs.
    expect(stopped).toBe(1);
    expect(calls).toEqual([interrupted]);
    scanner.emit('scan:done', undefined);
    await pass.idle();
    expect(calls.filter((c) => c === interrupted)).toHaveLength(2);
    expect(calls.slice(1).sort()).toEqual(['broken.flac', 'loud.flac', 'quiet.flac']);
    expect(store.get(id('loud'))?.lufs).toBeCloseTo(-1, 0);
    expect(store.get(id('quiet'))?.lufs).toBeCloseTo(-20, 0);
    expect(store.unmeasured(10)).toEqual([]);
    await pass.stop();
    db.close();
  }, 60_000);

  it('stops at a missing ffmpeg, keeping what tags say, and says why', async () => {
    const { db, store, id } = library();
    const scanner = new TypedEventTarget<Record<'scan:progress' | 'scan:done', undefined>>(
      silentLogger.forComponent('firefly:test'),
    );
    const lines: string[] = [];
    const pass = new LoudnessPass({
      store,
      filesOf: (t) => db.filesOfTrack(t),
      scanner,
      logger: componentLogger((line) => lines.push(line)),
      measure: (p, o) => measureLoudness(p, { ...o, ffmpeg: path.join(dir, 'no-ffmpeg') }),
    });
    pass.start();
    scanner.emit('scan:done', undefined);
    await pass.idle();
    expect(lines.join('\n')).toMatch(/no-ffmpeg not found; install ffmpeg to measure tracks/);
    expect(store.get(id('tagged'))?.rgTrackGainDb).toBe(-4.5);
    // Nothing was marked failed: measuring resumes once ffmpeg is there.
    expect(store.unmeasured(10).sort()).toEqual([id('broken'), id('loud'), id('quiet')].sort());
    await pass.stop();
    db.close();
  });

  it('keeps its own reading over a holder’s, and takes a holder’s for tracks it only knows of', () => {
    const { db, store, id } = library();
    const reading = {
      lufs: -9,
      truePeakDb: -0.2,
      rgTrackGainDb: null,
      rgTrackPeak: null,
      rgAlbumGainDb: null,
      rgAlbumPeak: null,
    };
    store.put(id('loud'), reading, 'measured');
    expect(store.putFromPeer(id('loud'), { ...reading, lufs: -30 })).toBe(false);
    expect(store.get(id('loud'))?.lufs).toBe(-9);
    // A track the index does not know at all is not stored.
    expect(store.putFromPeer(hex('unknown'), reading)).toBe(false);
    // A holder's reading of a track this device holds does not count as this device's own.
    expect(store.putFromPeer(id('quiet'), reading)).toBe(true);
    expect(store.unmeasured(10)).toContain(id('quiet'));
    db.close();
  });
});
