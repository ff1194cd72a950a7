/**
 * Acoustic proof of the engine's scheduling: two real Chromium browsers, each playing into its
 * own channel of a private PulseAudio sink, play one click train at one group time; the
 * recording shows how far apart they really were. Both pages use the machine's shared
 * `performance.timeOrigin + now()` as their host clock, so this measures the engine's
 * group time → context time path (clock map, output latency, start(when, offset)) alone.
 *
 * On a machine busy with other work the audio output can underrun: the sound really jumps by
 * 10–50 ms and the engine re-anchors within about a second. The engines report that themselves
 * (a sync error beyond their re-anchor threshold), and each take prints how many such reports it had.
 * Each test is one take: no retakes, here or by Playwright.
 *
 * Every run starts its own PulseAudio and browsers. For the first 15–20 s of a browser's audio output
 * its output timestamps move by 1–5 ms while the sound itself does not (`bench/output-map.ts`
 * measures both: each context's true offset stays within 0.02 ms; the maps dip and recover, by
 * different amounts in different browsers, also when the sound server had run 30 s before), and an
 * engine can only follow its timestamps. The app keeps its one AudioContext running from launch, so
 * a play usually finds an older output; the timing tests below therefore start on outputs that have
 * run `OUTPUT_AGE_SEC`, as the peers' acoustic test does, and one test measures a start on outputs a
 * few seconds old on its own, with a limit for gross errors only.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import {
  describeRun,
  runAcousticSync,
  type AcousticRunOptions,
  type AcousticRunResult,
  type ScriptControl,
} from '../../test/support/acoustic/harness';
import { pulseAvailable } from '../../test/support/acoustic/pulse';
import { describeBlocks, readingBlocks } from '../../test/support/acoustic/readings';
import { clickTimes } from '../../test/support/acoustic/signals';

/** The click times of a 30-click run (the harness uses `clickTimes(count)`). */
const clickTimes30 = clickTimes(30);

const pulse = pulseAvailable();
if (!pulse.ok) console.log(`acoustic engine test skipped: ${pulse.reason}`);

/** Sync errors (ms) above which an engine re-anchors: the output glitched. */
const GLITCH_MS = 5;
/** How long the browsers' outputs run before a timing test's take: past their timestamps' first-seconds wander. */
const OUTPUT_AGE_SEC = 20;

/** When the stall tests freeze part of the right player: this far into the track (s). */
const STALL_AT_SEC = 3;

/**
 * A take of `clicks` clicks on outputs `OUTPUT_AGE_SEC` old in which `stall` runs `STALL_AT_SEC` into the
 * track; prints it with both engines' events, and returns the run with a way to pick clicks' offsets by
 * their track time (of the click heard on the left).
 */
async function runWithStall(
  label: string,
  clicks: number,
  stall: (c: ScriptControl) => Promise<void>,
): Promise<{ run: AcousticRunResult; offsetsWhere: (test: (sec: number) => boolean) => number[] }> {
  const run = await runAcousticSync({
    clicks,
    settleSec: OUTPUT_AGE_SEC,
    // The raw output readings go into the log: when a take fails, whether they moved with the sound
    // (a real step), without it (a false one) or scattered is the first question.
    trace: true,
    script: async (c) => {
      await c.waitGroup(c.anchor.groupTimeMs + STALL_AT_SEC * 1000);
      await stall(c);
    },
  });
  const { onsetsSec, offsetsMs } = run.report;
  const firstClickSec = clickTimes(clicks)[0]!;
  const trackSec = onsetsSec.map((t) => t - onsetsSec[0]! + firstClickSec);
  const line = offsetsMs.map((o, i) => `${trackSec[i]!.toFixed(2)}: ${o.toFixed(2)}`).join(', ');
  console.log(`${describeRun(`${label} at ${STALL_AT_SEC} s`, run)}\n    offsets (s: ms): ${line}`);
  for (const p of run.players) {
    console.log(`    ${p.name} engine: ${p.events.join('; ')}`);
    const raw = p.rawTimestamps ?? [];
    const toAnchorSec = (perf: number) => (perf + (p.groupMinusPerfMs ?? NaN) - run.anchorGroupMs) / 1000;
    const before = readingBlocks(raw, toAnchorSec, { blockSec: 2, fromSec: 1, toSec: STALL_AT_SEC })[0];
    const blocks = readingBlocks(raw, toAnchorSec, {
      blockSec: 0.5,
      fromSec: 0,
      toSec: clickTimes(clicks).at(-1)!,
      referenceMs: before ? before.medianMs + (raw[0]![1] * 1000 - raw[0]![0]) : undefined,
    });
    console.log(`    ${p.name} readings (ms from before the stall): ${describeBlocks(blocks)}`);
  }
  return { run, offsetsWhere: (test) => offsetsMs.filter((_, i) => test(trackSec[i]!)) };
}

/** The two are heard together: median offset under 1.5 ms, none over 3 ms. */
function expectTogether(offsetsMs: number[]): void {
  const sorted = [...offsetsMs].sort((a, b) => a - b);
  expect(Math.abs(sorted[sorted.length >> 1]!)).toBeLessThan(1.5);
  expect(Math.max(...offsetsMs.map(Math.abs))).toBeLessThan(3);
}

function glitches(run: AcousticRunResult): number {
  return run.players.reduce(
    (n, p) => n + p.syncReports.filter((r) => Math.abs(r.errorMs) > GLITCH_MS).length,
    0,
  );
}

/** One take, printed with the engines' glitch reports; no retakes (a glitch must be survived within the limits). */
async function measure(label: string, options: AcousticRunOptions): Promise<AcousticRunResult> {
  const run = await runAcousticSync(options);
  console.log(`${describeRun(label, run)}; glitch reports ${glitches(run)}`);
  return run;
}

test.describe('acoustic: engine scheduling across browsers', () => {
  test.skip(!pulse.ok, pulse.ok ? '' : pulse.reason);
  test.describe.configure({ timeout: 300_000 });

  test('two browsers started at one group time are heard together', async () => {
    const run = await measure('same start', { clicks: 30, settleSec: OUTPUT_AGE_SEC });
    expect(run.report.count).toBeGreaterThanOrEqual(25);
    // Starts on outputs some 20–40 s old measured -0.06..0.15 ms here; the sub-0.1 ms target is the benchmark's
    // (npm run bench:sync), this test guards against regressions beyond the output timestamps' own spread.
    expect(Math.abs(run.report.medianMs)).toBeLessThan(1.5);
    expect(run.report.p95AbsMs).toBeLessThan(3);
    // The engines' own bookkeeping agrees on when the last click is heard.
    expect(run.predictedMs).not.toBeNull();
    expect(Math.abs(run.predictedMs!)).toBeLessThan(1.5);
  });

  test('a start on outputs only seconds old is heard together to within their timestamps’ wander', async () => {
    // Outputs 3 s old: the wander described at the top puts such starts 0.4–14 ms apart here (16 runs; the
    // engines' own view of the offset follows the sign and about 60 % of it). The limit catches gross errors
    // only: a start that ignored or double-counted the output latency would be 50–60 ms off.
    const run = await measure('same start on 3 s old outputs', { clicks: 30, settleSec: 3 });
    expect(run.report.count).toBeGreaterThanOrEqual(25);
    expect(Math.abs(run.report.medianMs)).toBeLessThan(20);
  });

  test('after 40 s of silence the outputs are still live, and a start is heard together', async () => {
    // Chromium swaps an AudioContext whose output has been all-zero for 30 s onto a fake sink; the next play
    // restarts the device stream, whose timestamps then jump and drift by milliseconds. The engine's inaudible
    // keep-alive level prevents that.
    const run = await runAcousticSync({ clicks: 20, settleSec: 40 });
    console.log(`${describeRun('same start after 40 s of silence', run)}; glitch reports ${glitches(run)}`);
    expect(run.report.count).toBeGreaterThanOrEqual(15);
    expect(Math.abs(run.report.medianMs)).toBeLessThan(2.5);
    expect(run.report.p95AbsMs).toBeLessThan(3);
  });

  test('a late joiner enters mid-track in step, and output offset shifts it by the asked amount', async () => {
    const run = await measure('late join, right outputOffsetMs +10', {
      clicks: 30,
      settleSec: OUTPUT_AGE_SEC,
      players: [{ name: 'left' }, { name: 'right', joinLateSec: 2, settings: { outputOffsetMs: 10 } }],
    });
    // Clicks before the join are heard on the left only.
    expect(run.report.unmatched).toBeGreaterThanOrEqual(5);
    expect(run.report.count).toBeGreaterThanOrEqual(15);
    expect(run.players[1]!.lastStart!.offsetSec).toBeGreaterThan(1.9);
    // A device that says its speakers lag 10 ms starts 10 ms early: heard 10 ms before the other.
    // On outputs 20 s old this measured 0.05–0.32 ms from the intended offset here (on outputs 3 s old,
    // CI measured 1.0–4.1 ms: the two output clocks are read 2 s apart, so their wander does not cancel).
    expect(run.intendedMs).toBe(-10);
    expect(Math.abs(run.report.medianMs - run.intendedMs)).toBeLessThan(1.5);
  });

  test('a pause at a group time silences both at once, and the resume continues in step', async () => {
    const pauseSec = 1.5;
    let pausePos = 0;
    let clicksBefore = 0;
    const run = await measure('pause 1.5 s and resume', {
      clicks: 30,
      settleSec: OUTPUT_AGE_SEC,
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
    // A resume is a fresh start on both outputs, so it gets the same-start test's limit (measured here on
    // outputs 20 s old: -0.05..0.03 ms; on outputs 3 s old CI measured up to 1.6 ms).
    expect(Math.abs(run.report.medianMs)).toBeLessThan(1.5);
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

  test('an output that stalls mid-track is back in step within two seconds', async () => {
    // The right player's audio service is frozen for 400 ms (SIGSTOP) 3 s into the take: its stream runs dry and
    // its sound comes back late, as on a machine too busy to feed the sound server. (250 ms moved it only 4.6 ms:
    // the 'playback' latency hint's buffer rides out most of that.) The engine sees its output clock jump and
    // its player re-positions (with a fade) once the clock line says where its frames are heard.
    const stallMs = 400;
    const { offsetsWhere } = await runWithStall(`stall of ${stallMs} ms`, 50, async (c) => {
      const pid = await c.stallOutput(1, stallMs);
      console.log(
        `stalled process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 300)}`,
      );
    });
    const before = offsetsWhere((sec) => sec < STALL_AT_SEC);
    const during = offsetsWhere((sec) => sec > STALL_AT_SEC && sec < STALL_AT_SEC + 2);
    const after = offsetsWhere((sec) => sec >= STALL_AT_SEC + 2);
    expect(before.length).toBeGreaterThanOrEqual(8);
    expect(after.length).toBeGreaterThanOrEqual(15);
    // The stall really disturbed the right output (else this test proves nothing): its clicks moved, or went
    // missing while it was frozen (the player drops the frames whose time passed and carries on in step)...
    const clicksDuring = clickTimes(50).filter((t) => t > STALL_AT_SEC && t < STALL_AT_SEC + 2).length;
    const moved = Math.max(0, ...during.map(Math.abs)) > 5;
    console.log(`during the stall: ${during.length} of ${clicksDuring} clicks matched, moved ${moved}`);
    expect(moved || during.length < clicksDuring).toBe(true);
    // ...and from 2 s after it on, the two are heard together again.
    expectTogether(after);
  });

  test('a page that stalls mid-track is back in step within two seconds, and its engine notes the underrun', async () => {
    // The right player's renderer (its page and its audio render thread) is frozen for 200 ms 3 s into the
    // take. Chromium counts the callbacks it missed (AudioContext.playbackStats) and the engine notes them as a
    // render underrun; its sound may come back late (measured here: 21.6 ms), which the engine then sees as an
    // output clock jump and re-anchors, as for a stalled audio service.
    const stallMs = 200;
    const { run, offsetsWhere } = await runWithStall(`renderer stall of ${stallMs} ms`, 30, async (c) => {
      await c.stallRenderer(1, stallMs);
    });
    // Events read "+3.59s render underrun: …", seconds from the anchor. Only the frozen page underruns from the
    // stall on; a glitch of the other page before the take (one at -1.2 s in a .ci/run, its start) is not the stall's.
    const underrunsFromStall = (events: string[]) =>
      events.filter(
        (e) => e.includes('render underrun') && Number(/^\+(-?[\d.]+)s/.exec(e)?.[1]) >= STALL_AT_SEC - 0.5,
      );
    expect(underrunsFromStall(run.players[1]!.events).length).toBeGreaterThan(0);
    expect(underrunsFromStall(run.players[0]!.events)).toEqual([]);
    const before = offsetsWhere((sec) => sec < STALL_AT_SEC);
    expect(before.length).toBeGreaterThanOrEqual(8);
    const after = offsetsWhere((sec) => sec >= STALL_AT_SEC + 2);
    expect(after.length).toBeGreaterThanOrEqual(8);
    expectTogether(after);
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
        // Just after click k-1 is heard: a settings change applies from the moment it is made, so it is heard an
        // output latency later; click k, a quarter second on, is then rendered after the change.
        await c.waitGroup(c.anchor.groupTimeMs + c.clickTimesSec[k - 1]! * 1000 + 20);
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
