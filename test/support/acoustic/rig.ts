/**
 * Building blocks for acoustic sync benchmarks: a rig (private PulseAudio, one channel per
 * player), launch options that send a Chromium browser's sound into one channel, a click-track
 * file to put in a library, recording around any action with offsets measured per channel
 * pair, and the engine-only benchmark (`measureEngineSync`) that repeats the standalone
 * two-browser run and pools the figures.
 */
import type { LaunchOptions } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findOnsets, measureOffsets, summarize, type AnalyzeOptions, type OffsetReport } from './analyze';
import {
  ACOUSTIC_BROWSER_ARGS,
  runAcousticSync,
  type AcousticRunOptions,
  type AcousticRunResult,
} from './harness';
import { pulseAvailable, startPulse, type PulseServer } from './pulse';
import { seededRandom } from '../../../src/shared/random';
import { clickTimes, makeClick, renderClicks } from './signals';
import { readWav, wavDataOffset, writeWav, type PcmAudio } from './wav';

export { pulseAvailable };
export type { OffsetReport };

/** A click track: WAV bytes and when each click starts (s). */
export interface ClickTrack {
  wav: Uint8Array;
  clickTimesSec: number[];
  durationSec: number;
  sampleRate: number;
}

/** The click pattern of a track: when clicks fall, and how many channels carry them. */
export interface ClickPattern {
  /** Seed of the irregular gaps, so tracks can differ in rhythm. */
  timingSeed?: number;
  firstSec?: number;
  minGapSec?: number;
  maxGapSec?: number;
  /** 1 keeps a long track small (the engine plays a mono file on both outputs). */
  channels?: 1 | 2;
  /** Silence after the last click (s; default 0.5): a long file with its clicks at the start. */
  tailSec?: number;
  /**
   * Fill the tail from 0.5 s after the last click with ±2 LSB of random noise: inaudible, but no two of its
   * chunks alike. Chunks are content-addressed, so a tail of digital silence is one chunk fetched once, and
   * a long file would arrive in a moment.
   */
  tailNoise?: boolean;
}

/** A 16-bit WAV with the same click train on every channel (for a peer's library). */
export function makeClickTrack(
  clicks = 60,
  sampleRate = 48_000,
  seed = 5,
  pattern: ClickPattern = {},
): ClickTrack {
  const times = clickTimes(
    clicks,
    pattern.firstSec,
    pattern.minGapSec,
    pattern.maxGapSec,
    pattern.timingSeed,
  );
  const durationSec = times.at(-1)! + (pattern.tailSec ?? 0.5);
  const channel = renderClicks(makeClick(seed), times, sampleRate, durationSec);
  if (pattern.tailNoise) {
    const random = seededRandom(seed);
    for (let i = Math.ceil((times.at(-1)! + 0.5) * sampleRate); i < channel.length; i++)
      channel[i] = (Math.round(random() * 4) - 2) / 32768;
  }
  const channels = pattern.channels === 1 ? [channel] : [channel, channel];
  return { wav: writeWav({ sampleRate, channels }, 'pcm16'), clickTimesSec: times, durationSec, sampleRate };
}

/** Offsets of every channel against channel 0 in one recording. */
export interface RecordingReport {
  sampleRate: number;
  durationSec: number;
  /** `pairs[i]` is channel i+1 against channel 0 (positive = later than channel 0). */
  pairs: OffsetReport[];
}

/** A private sound server with one channel per player. */
export interface AcousticRig {
  pulse: PulseServer;
  channels: number;
  /** Environment for a process whose sound should go to `channel` (browser, Electron app). */
  envFor(channel: number): Record<string, string>;
  /** Playwright launch options for a Chromium whose sound goes to `channel`. */
  chromiumFor(channel: number, executablePath?: string): LaunchOptions;
  /** Records the mix while `action` runs, then measures every channel against channel 0. */
  recordWhile(action: () => Promise<void>, options?: AnalyzeOptions): Promise<RecordingReport>;
  stop(): Promise<void>;
}

/** Starts a rig: a private PulseAudio daemon with `channels` mono remap sinks. */
export async function startAcousticRig(channels = 2): Promise<AcousticRig> {
  const pulse = await startPulse({ channels });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-rig-'));
  let take = 0;
  const envFor = (channel: number) => {
    const sink = pulse.channelSinks[channel];
    if (!sink) throw new RangeError(`no channel ${channel}; the rig has ${pulse.channelSinks.length}`);
    return { ...pulse.env, PULSE_SINK: sink };
  };
  return {
    pulse,
    channels,
    envFor,
    chromiumFor: (channel, executablePath) => ({
      executablePath: executablePath ?? process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      ignoreDefaultArgs: ['--mute-audio'],
      args: ACOUSTIC_BROWSER_ARGS,
      env: { ...(process.env as Record<string, string>), ...envFor(channel) },
    }),
    recordWhile: async (action, options) => {
      const file = path.join(dir, `take-${++take}.wav`);
      const recording = await pulse.record(file);
      try {
        await action();
      } finally {
        await recording.stop();
      }
      const audio = readWav(readFileSync(file));
      rmSync(file, { force: true });
      const reference = audio.channels[0]!;
      return {
        sampleRate: audio.sampleRate,
        durationSec: reference.length / audio.sampleRate,
        pairs: audio.channels
          .slice(1)
          .map((other) => measureOffsets(reference, other, audio.sampleRate, options)),
      };
    },
    stop: async () => {
      await pulse.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pooled figures of several engine-only runs. */
export interface EngineSyncFigures {
  runs: AcousticRunResult[];
  /** All clicks of all runs, minus each run's intended offset. */
  pooled: OffsetReport;
}

/** Repeats the standalone two-browser run `runs` times and pools the per-click offsets. */
export async function measureEngineSync(
  runs = 3,
  options: AcousticRunOptions = {},
): Promise<EngineSyncFigures> {
  const results: AcousticRunResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await runAcousticSync(options));
  const offsets = results.flatMap((r) => r.report.offsetsMs.map((o) => o - r.intendedMs));
  const onsets = results.flatMap((r) => r.report.onsetsSec);
  return {
    runs: results,
    pooled: summarize(
      offsets,
      onsets,
      results.reduce((n, r) => n + r.report.unmatched, 0),
    ),
  };
}

/** Figures as one line: count, median, p95 and max of |offset|. */
export function formatOffsets(label: string, report: OffsetReport): string {
  const f = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
  return `${label}: ${report.count} clicks, median ${f(report.medianMs)} ms, p95 |${f(report.p95AbsMs)}| ms, max |${f(report.maxAbsMs)}| ms, unmatched ${report.unmatched}`;
}

/** Every click's offset with its time in the take, as one line: `label, offsets over the take (s: ms): 1.02 0.13, …`. */
export function formatOffsetsOverTake(label: string, report: OffsetReport): string {
  const clicks = report.offsetsMs.map((o, i) => `${report.onsetsSec[i]!.toFixed(2)} ${o.toFixed(2)}`);
  return `${label}offsets over the take (s: ms): ${clicks.join(', ')}`;
}

/** A recording placed on this process's clock. */
export interface TimedRecording {
  audio: PcmAudio;
  /** When the recording's first frame was played into the sink (ms, performance.timeOrigin + now()). */
  startMs: number;
  /** How many (time, file size) readings the estimate rests on. */
  readings: number;
  /**
   * The null sink's configured latency at the end of the action (ms; null if unread): how far ahead of its
   * clock it renders, so the lower bound `startMs` is early by about this much. `startMs + renderAheadMs` is
   * when the first frame was due by the sink's clock, the clock the pages' output timestamps read.
   */
  renderAheadMs: number | null;
}

/** The sink's configured latency (ms) as `pactl list sinks` reports it, or null. */
async function renderAheadMs(rig: AcousticRig): Promise<number | null> {
  const listing = await rig.pulse.pactl('list', 'sinks').catch(() => '');
  const own = listing.split(/^Sink #/m).find((block) => block.includes(`Name: ${rig.pulse.sink}\n`));
  const configured = own?.match(/Latency: \d+ usec, configured (\d+) usec/);
  return configured ? Number(configured[1]) / 1000 : null;
}

/**
 * Records the mix while `action` runs and places the recording on this process's clock
 * (`performance.timeOrigin + performance.now()`, the clock commands are stamped with).
 *
 * Method: while parec writes, the file's size is read every ~2 ms with the time right after each
 * read. Frame f can only be in the file once the sink has rendered it, so each reading bounds the
 * start from above: start ≤ t − f / rate. The smallest bound is the estimate. It is late by the
 * smallest delay between the sink rendering a frame and parec writing it (sub-ms on an idle
 * machine), and early by up to the sink's render-ahead (the null sink renders one block ahead
 * of its clock; parec asks for 10 ms latency, which caps that block at about 10 ms): the values
 * t − f / rate saw-tooth between start − block and start, one tooth per block (measured: 10 ms teeth, the
 * sink's configured latency 10 000 µs), so `renderAheadMs` is returned to correct the bound.
 */
export async function recordTimed(rig: AcousticRig, action: () => Promise<void>): Promise<TimedRecording> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-timed-'));
  const file = path.join(dir, 'take.wav');
  const readings: [number, number][] = [];
  let aheadMs: number | null = null;
  try {
    const recording = await rig.pulse.record(file);
    let active = true;
    const poll = (async () => {
      while (active) {
        const size = statSync(file).size;
        readings.push([performance.timeOrigin + performance.now(), size]);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    try {
      await action();
      aheadMs = await renderAheadMs(rig);
    } finally {
      active = false;
      await poll;
      await recording.stop();
    }
    const bytes = readFileSync(file);
    const audio = readWav(bytes);
    const dataOffset = wavDataOffset(bytes);
    const frameBytes = audio.channels.length * 4;
    let startMs = Infinity;
    for (const [t, size] of readings) {
      if (size <= dataOffset) continue;
      const frames = Math.floor((size - dataOffset) / frameBytes);
      startMs = Math.min(startMs, t - (frames / audio.sampleRate) * 1000);
    }
    if (!Number.isFinite(startMs)) throw new Error('no readings of the recording while it grew');
    return { audio, startMs, readings: readings.length, renderAheadMs: aheadMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * When track position `fromSec` was heard in `channel` of a timed recording (ms, same clock as
 * `startMs`), found from the first clicks heard: the first two onsets are matched to the click
 * pair whose gap they show, so a click softened by a fade-in is not mistaken for the next.
 * Onsets heard before `notBeforeMs` are ignored. Null when no click after `fromSec` is found.
 */
export function heardAt(
  recording: TimedRecording,
  channel: number,
  clickTimesSec: readonly number[],
  fromSec: number,
  notBeforeMs = -Infinity,
): number | null {
  const signal = recording.audio.channels[channel];
  if (!signal) return null;
  const rate = recording.audio.sampleRate;
  // Clicks still sounding from before the command (a pause takes effect after the lead time) are not the answer.
  const onsets = findOnsets(signal, rate)
    .map((i) => i / rate)
    .filter((sec) => recording.startMs + sec * 1000 >= notBeforeMs);
  const [o1, o2] = onsets;
  if (o1 === undefined || o2 === undefined) return null;
  for (let k = 0; k + 1 < clickTimesSec.length; k++) {
    const t = clickTimesSec[k]!;
    if (t < fromSec - 0.005) continue;
    const heard = recording.startMs + (o1 - (t - fromSec)) * 1000;
    // A start before the command is a mismatch (a restart's doubled onsets can mimic a later gap).
    if (heard >= notBeforeMs && Math.abs(o2 - o1 - (clickTimesSec[k + 1]! - t)) < 0.003) return heard;
  }
  return null;
}
