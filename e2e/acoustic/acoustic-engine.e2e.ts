/**
 * Acoustic proof of the engine's scheduling: two real Chromium browsers, each playing into its
 * own channel of a private PulseAudio sink, play one click train at one group time; the
 * recording shows how far apart they really were. Both pages use the machine's shared
 * `performance.timeOrigin + now()` as their host clock, so this measures the engine's
 * group time → context time path (clock map, output latency, start(when, offset)) alone.
 *
 * On a machine busy with other work the audio output can underrun: the sound really jumps by
 * 10–50 ms and the engine re-anchors within about a second. The engines report that themselves
 * (a sync error beyond their re-anchor threshold); such a run is repeated, at most twice, and
 * every run's figures are printed.
 */
import { expect, test } from '@playwright/test';
import { describeRun, runAcousticSync, type AcousticRunOptions, type AcousticRunResult } from './harness';
import { pulseAvailable } from './pulse';
import { clickTimes } from './signals';

/** The click times of a 30-click run (the harness uses `clickTimes(count)`). */
const clickTimes30 = clickTimes(30);

const pulse = pulseAvailable();
if (!pulse.ok) console.log(`acoustic engine test skipped: ${pulse.reason}`);

/** Sync errors (ms) above which an engine re-anchors: the output glitched. */
const GLITCH_MS = 5;

function glitches(run: AcousticRunResult): number {
  return run.players.reduce(
    (n, p) => n + p.syncReports.filter((r) => Math.abs(r.errorMs) > GLITCH_MS).length,
    0,
  );
}

async function measure(label: string, options: AcousticRunOptions, attempts = 3): Promise<AcousticRunResult> {
  let run = await runAcousticSync(options);
  console.log(`${describeRun(label, run)}; glitch reports ${glitches(run)}`);
  for (let attempt = 2; attempt <= attempts && glitches(run) > 0; attempt++) {
    run = await runAcousticSync(options);
    console.log(
      `${describeRun(`${label} (attempt ${attempt}, after a glitch)`, run)}; glitch reports ${glitches(run)}`,
    );
  }
  return run;
}

test.describe('acoustic: engine scheduling across browsers', () => {
  test.skip(!pulse.ok, pulse.ok ? '' : pulse.reason);
  test.describe.configure({ timeout: 300_000 });

  test('two browsers started at one group time are heard together', async () => {
    const run = await measure('same start', { clicks: 30 });
    expect(run.report.count).toBeGreaterThanOrEqual(25);
    // Measured in CI runs here: medians from 0.2 to 2.1 ms, a constant offset per run from each browser's
    // output-timestamp mapping (see the closing figures of npm run bench:sync); the sub-millisecond target is
    // the benchmark's, this test guards against regressions beyond that spread.
    expect(Math.abs(run.report.medianMs)).toBeLessThan(2.5);
    expect(run.report.p95AbsMs).toBeLessThan(3);
    // The engines' own bookkeeping agrees on when the last click is heard.
    expect(run.predictedMs).not.toBeNull();
    expect(Math.abs(run.predictedMs!)).toBeLessThan(2.5);
  });

  test('after 40 s of silence the outputs are still live, and a start is heard together', async () => {
    // Chromium swaps an AudioContext whose output has been all-zero for 30 s onto a fake sink; the next play
    // restarts the device stream, whose timestamps then jump and drift by milliseconds. The engine's inaudible
    // keep-alive level prevents that. No retry on glitches here: a restarted stream is what this test is about.
    const run = await runAcousticSync({ clicks: 20, settleSec: 40 });
    console.log(`${describeRun('same start after 40 s of silence', run)}; glitch reports ${glitches(run)}`);
    expect(run.report.count).toBeGreaterThanOrEqual(15);
    expect(Math.abs(run.report.medianMs)).toBeLessThan(2.5);
    expect(run.report.p95AbsMs).toBeLessThan(3);
  });

  test('a late joiner enters mid-track in step, and output offset shifts it by the asked amount', async () => {
    const run = await measure('late join, right outputOffsetMs +10', {
      clicks: 30,
      players: [{ name: 'left' }, { name: 'right', joinLateSec: 2, settings: { outputOffsetMs: 10 } }],
    });
    // Clicks before the join are heard on the left only.
    expect(run.report.unmatched).toBeGreaterThanOrEqual(5);
    expect(run.report.count).toBeGreaterThanOrEqual(15);
    expect(run.players[1]!.lastStart!.offsetSec).toBeGreaterThan(1.9);
    // A device that says its speakers lag 10 ms starts 10 ms early: heard 10 ms before the other.
    // The two output clocks are read 2 s apart here, so their errors do not cancel as they do for
    // a common start: CI measured 1.0-4.1 ms from the intended offset (a late start is the engine's worst).
    // Half the asked offset is the limit that best tells a right join from a missing (0) or reversed (+10) one.
    expect(run.intendedMs).toBe(-10);
    expect(Math.abs(run.report.medianMs - run.intendedMs)).toBeLessThan(5);
  });

  test('a pause at a group time silences both at once, and the resume continues in step', async () => {
    const pauseSec = 1.5;
    let pausePos = 0;
    let clicksBefore = 0;
    const run = await measure('pause 1.5 s and resume', {
      clicks: 30,
      extraSec: pauseSec,
      script: async (c) => {
        // Pause in the middle of a gap between two clicks, about 2.5 s in.
        const k = c.clickTimesSec.findIndex((t) => t >= 2.5);
        pausePos = (c.clickTimesSec[k - 1]! + c.clickTimesSec[k]!) / 2;
        clicksBefore = k;
        const pauseAt = c.anchor.groupTimeMs + pausePos * 1000;
        await c.waitGroup(pauseAt - 800);
        const paused = {
          trackId: c.trackId,
          anchor: { groupTimeMs: pauseAt, positionSec: pausePos },
          paused: true,
        };
        await Promise.all([c.schedule(0, paused), c.schedule(1, paused)]);
        await c.waitGroup(pauseAt + 300);
        const resumed = {
          trackId: c.trackId,
          anchor: { groupTimeMs: pauseAt + pauseSec * 1000, positionSec: pausePos },
          paused: false,
        };
        await Promise.all([c.schedule(0, resumed), c.schedule(1, resumed)]);
      },
    });
    expect(run.report.count).toBe(30);
    // A resume is a fresh start on both outputs, so it gets the same-start test's limit: CI has measured 1.16,
    // 1.19 and 1.63 ms here while other takes of the same runs were within 0.6 ms. (The peers' acoustic test
    // holds 1.5 ms for clicks after the engines' settling check, which a take this short does not reach.)
    expect(Math.abs(run.report.medianMs)).toBeLessThan(2.5);
    // Every click is heard once, and the one gap that spans the pause is 1.5 s longer.
    const onsets = run.recording.onsetsSec[0]!;
    expect(onsets).toHaveLength(30);
    const times = run.report.onsetsSec.length > 0 ? onsets : [];
    const gapError = (i: number) =>
      times[i + 1]! -
      times[i]! -
      (clickTimes30[i + 1]! - clickTimes30[i]!) -
      (i + 1 === clicksBefore ? pauseSec : 0);
    const worstMs = Math.max(...times.slice(0, -1).map((_, i) => Math.abs(gapError(i)) * 1000));
    console.log(`pause at position ${pausePos.toFixed(3)} s: worst click-gap error ${worstMs.toFixed(3)} ms`);
    expect(worstMs).toBeLessThan(2);
  });

  test('channel settings route the track: left on both outputs, mono at half level, right silent', async () => {
    let switched = 0;
    // Levels and counts only: timing is the other tests' business.
    const run = await runAcousticSync({
      clicks: 30,
      trackChannels: 'left-only',
      players: [
        { name: 'left', settings: { channel: 'left' } },
        { name: 'mono', settings: { channel: 'mono' } },
      ],
      script: async (c) => {
        const k = c.clickTimesSec.findIndex((t) => t >= 4);
        switched = k;
        await c.waitGroup(
          c.anchor.groupTimeMs + ((c.clickTimesSec[k - 1]! + c.clickTimesSec[k]!) / 2) * 1000,
        );
        await c.setSettings(1, { channel: 'right' });
      },
    });
    const [onsetsLeft, onsetsMono] = run.recording.onsetsSec;
    const [peakLeft, peakMono] = run.recording.peaks;
    console.log(`${describeRun('left-only track: player 1 left, player 2 mono then right', run)}`);
    console.log(
      `peaks: left ${peakLeft!.toFixed(3)}, mono ${peakMono!.toFixed(3)}; clicks heard ${onsetsLeft!.length} / ${onsetsMono!.length}`,
    );
    expect(onsetsLeft).toHaveLength(30);
    expect(onsetsMono).toHaveLength(switched);
    expect(peakMono! / peakLeft!).toBeGreaterThan(0.4);
    expect(peakMono! / peakLeft!).toBeLessThan(0.6);
  });
});
