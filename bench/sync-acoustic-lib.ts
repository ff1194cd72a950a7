/**
 * Building blocks for acoustic sync benchmarks: a rig (private PulseAudio, one channel per
 * player), launch options that send a Chromium browser's sound into one channel, a click-track
 * file to put in a library, recording around any action with offsets measured per channel
 * pair, and the engine-only benchmark (`measureEngineSync`) that repeats the standalone
 * two-browser run and pools the figures.
 */
import type { LaunchOptions } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureOffsets, summarize, type AnalyzeOptions, type OffsetReport } from '../e2e/acoustic/analyze';
import { runAcousticSync, type AcousticRunOptions, type AcousticRunResult } from '../e2e/acoustic/harness';
import { pulseAvailable, startPulse, type PulseServer } from '../e2e/acoustic/pulse';
import { clickTimes, makeClick, renderClicks } from '../e2e/acoustic/signals';
import { readWav, writeWav } from '../e2e/acoustic/wav';

export { pulseAvailable };
export type { OffsetReport };

/** A click track: WAV bytes and when each click starts (s). */
export interface ClickTrack {
  wav: Uint8Array;
  clickTimesSec: number[];
  durationSec: number;
  sampleRate: number;
}

/** A stereo 16-bit WAV with the same click train on both channels (for a peer's library). */
export function makeClickTrack(clicks = 60, sampleRate = 48_000, seed = 5): ClickTrack {
  const times = clickTimes(clicks);
  const durationSec = times.at(-1)! + 0.5;
  const channel = renderClicks(makeClick(seed), times, sampleRate, durationSec);
  return { wav: writeWav({ sampleRate, channels: [channel, channel] }, 'pcm16'), clickTimesSec: times, durationSec, sampleRate };
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
      args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
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
        pairs: audio.channels.slice(1).map((other) => measureOffsets(reference, other, audio.sampleRate, options)),
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
export async function measureEngineSync(runs = 3, options: AcousticRunOptions = {}): Promise<EngineSyncFigures> {
  const results: AcousticRunResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await runAcousticSync(options));
  const offsets = results.flatMap((r) => r.report.offsetsMs.map((o) => o - r.intendedMs));
  const onsets = results.flatMap((r) => r.report.onsetsSec);
  return { runs: results, pooled: summarize(offsets, onsets, results.reduce((n, r) => n + r.report.unmatched, 0)) };
}

/** Figures as one line: count, median, p95 and max of |offset|. */
export function formatOffsets(label: string, report: OffsetReport): string {
  const f = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
  return `${label}: ${report.count} clicks, median ${f(report.medianMs)} ms, p95 |${f(report.p95AbsMs)}| ms, max |${f(report.maxAbsMs)}| ms, unmatched ${report.unmatched}`;
}
