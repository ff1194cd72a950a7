/**
 * Acoustic proof of gapless playback (#21 item 1) and of the crossfade's overlap (item 2), through two
 * real peers and their browsers, recorded at the sink.
 *
 * Gapless: one continuous 440 Hz sine is cut into 5 files (lengths that are no whole number of ms or
 * blocks), as FLAC and as MP3 encoded by LAME (whose tag carries the encoder's delay and padding). The
 * queue of all 5 plays through; each channel of the recording must be one unbroken sine: no sample
 * to sample step above what the parts decoded by FFmpeg and joined have (the sine's own for FLAC; for
 * MP3 its coding noise near each cut), no silence, and as long as the five files together.
 *
 * Crossfade: two tracks of different tones (440 and 660 Hz, not one album) with a 2 s crossfade: in
 * the middle of the overlap both tones are heard.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startPeerRoom, type PeerRoom } from '../../test/support/acoustic/peer-room';
import { pulseAvailable } from '../../test/support/acoustic/pulse';
import { recordTimed, startAcousticRig, type AcousticRig } from '../../test/support/acoustic/rig';
import { continuity, sineFaults, toneLevel } from '../../test/support/acoustic/continuity';
import { disturbanceTimes, judgeGapless } from '../../test/support/acoustic/gapless-judge';

const pulse = pulseAvailable();
if (!pulse.ok) console.log(`acoustic gapless test skipped: ${pulse.reason}`);

const RATE = 48_000;
const HZ = 440;
/**
 * Samples of each part: about 2.4 s, no whole ms or render block. (Lengths that end a few samples into
 * an MP3 frame, e.g. 115 211, get a LAME tag from ffmpeg whose padding is 30-50 samples short: ffmpeg's
 * own decoder then plays those samples too. Those are the encoder's error, not the player's.)
 */
const PARTS = [115_500, 96_017, 120_003, 101_700, 110_999];
const TOTAL = PARTS.reduce((a, b) => a + b, 0);
/** The drift controller's largest departure from the ideal read ratio (`defaultDriftPolicy.maxPpm`). */
const MAX_PPM = 500;

let rig: AcousticRig | null = null;
let room: PeerRoom | null = null;
let dir: string | null = null;
test.afterEach(async () => {
  await room?.close();
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  room = rig = dir = null;
});

/** Writes the sine cut into parts (or the two tones) into a new library folder with ffmpeg. */
function makeParts(codecArgs: string[], ext: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'firefly-gapless-'));
  let start = 0;
  PARTS.forEach((length, i) => {
    const file = path.join(folder, `part${i + 1}.${ext}`);
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi'],
      ...[
        '-i',
        `sine=frequency=${HZ}:sample_rate=${RATE},atrim=start_sample=${start}:end_sample=${start + length}`,
      ],
      ...['-ac', '2', ...codecArgs],
      ...[
        '-metadata',
        'album=Gapless Sine',
        '-metadata',
        `track=${i + 1}`,
        '-metadata',
        `title=Part ${i + 1}`,
      ],
      file,
    ]);
    start += length;
  });
  return folder;
}

/** Starts the room on `library` with loudness normalisation off (a constant sine needs none). */
async function roomOn(library: string): Promise<PeerRoom> {
  rig = await startAcousticRig(2);
  const r = await startPeerRoom({ rig, libraryDir: library, log: (line) => console.log(line) });
  await r.command(r.holder, 'loudness', { mode: 'off', targetLufs: -18 });
  return r;
}

/** Plays `trackIds` from the first to the end of the last (the room stops after it), recording the sink. */
async function playThrough(r: PeerRoom, a: AcousticRig, trackIds: string[], totalSec: number) {
  const since = Date.now();
  const take = await recordTimed(a, async () => {
    await r.command(r.follower, 'queue/replace', { trackIds, playIndex: 0 });
    await r.waitPlaying(trackIds[0]!);
    const deadline = Date.now() + (totalSec + 30) * 1000;
    while ((await r.state()).currentIndex !== null) {
      if (Date.now() > deadline) throw new Error('the queue did not play to its end');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The last frames are heard an output latency after the room stops.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  const events = await r.events(since);
  const [holder, follower] = events;
  console.log(`holder's engine:\n  ${holder.join('\n  ')}\nfollower's engine:\n  ${follower.join('\n  ')}`);
  return { take, since, events };
}

/**
 * The largest step of the parts decoded by FFmpeg (which trims LAME's delay and padding) and joined
 * end to end, relative to their peak: what an exact gapless player gives. For FLAC that is the sine's
 * own step; MP3 codes a cut sine with noise near each cut, which FFmpeg's output has too.
 */
function filesStep(folder: string, ext: string): number {
  const left: number[] = [];
  PARTS.forEach((_, i) => {
    const pcm = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-i', path.join(folder, `part${i + 1}.${ext}`), '-f', 'f32le', '-'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const stereo = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.length / 4);
    for (let f = 0; f < stereo.length; f += 2) left.push(stereo[f]!);
  });
  const own = continuity(Float32Array.from(left), RATE, HZ);
  return own.maxStep / own.amplitude;
}

async function proveGapless(label: string, codecArgs: string[], ext: string) {
  dir = makeParts(codecArgs, ext);
  const ownStep = filesStep(dir, ext);
  room = await roomOn(dir);
  const tracks = (await room.tracks()).filter((t) => t.album === 'Gapless Sine');
  tracks.sort((x, y) => (x.trackNo ?? 0) - (y.trackNo ?? 0));
  expect(tracks.map((t) => t.trackNo)).toEqual([1, 2, 3, 4, 5]);
  for (const [i, t] of tracks.entries())
    expect(t.durationSec, `part ${i + 1}'s length`).toBeCloseTo(PARTS[i]! / RATE, 4);
  const ids = tracks.map((t) => t.trackId);
  // A first play: the follower fetches the parts and both pages' outputs run a while before the take.
  await room.command(room.follower, 'queue/replace', { trackIds: ids, playIndex: 0 });
  await room.waitPlaying(ids[0]!);
  await room.command(room.holder, 'stop');
  await new Promise((resolve) => setTimeout(resolve, 15_000));

  const { take, since, events } = await playThrough(room, rig!, ids, TOTAL / RATE);
  // Where each change of track falls, in frames from the sine's start.
  const boundaries = PARTS.slice(0, -1).map((_, i) => PARTS.slice(0, i + 1).reduce((a, b) => a + b, 0));
  for (const [channel, who] of ['holder', 'follower'].entries()) {
    const x = take.audio.channels[channel]!;
    const c = continuity(x, RATE, HZ);
    // The margin covers the sink's float rounding and the play head's interpolation.
    const stepLimit = Math.max(c.sineStep, ownStep * c.amplitude) * 1.1;
    const { startFrame, faults } = sineFaults(x, RATE, stepLimit, c.amplitude * 0.8);
    // The engine's events on the recording's clock, in frames from the sine's start.
    const toneStartMs = take.startMs + (startFrame / RATE) * 1000;
    const disturbances = disturbanceTimes(events[channel]!).map((ms) =>
      Math.round(((since + ms - toneStartMs) / 1000) * RATE),
    );
    const v = judgeGapless({ faults, boundaries, disturbances, rate: RATE, maxPpm: MAX_PPM });
    const where = (fs: { atFrame: number; kind: string }[]) =>
      fs.map((f) => `${f.kind} at ${(f.atFrame / RATE).toFixed(4)} s`).join(', ') || 'none';
    console.log(
      `${label}, ${who}: ${(c.lengthFrames / RATE).toFixed(4)} s of sine (${c.lengthFrames - TOTAL} frames off the parts' total), ` +
        `amplitude ${c.amplitude.toFixed(4)}, max step ${c.maxStep.toFixed(5)} against the sine's ${c.sineStep.toFixed(5)} and the files' ${(ownStep * c.amplitude).toFixed(5)} ` +
        `at ${(c.maxStepAt / RATE).toFixed(4)} s, quietest ms ${(c.minWindowPeak / c.amplitude).toFixed(3)} of the amplitude; ` +
        `breaks at changes of track: ${where(v.atBoundaries)}; elsewhere unexplained: ${where(v.unexplained)}; ` +
        `explained by the output's disturbances: ${where(v.excused)}; changes judged ${v.clearBoundaries} of ${boundaries.length}`,
    );
    expect(v.atBoundaries, `${who}: no break at a change of track`).toEqual([]);
    expect(v.unexplained, `${who}: no break the engine's events do not explain`).toEqual([]);
    // A take whose output was disturbed near several changes of track proves nothing about them; and a fault
    // that a change of track itself causes would come at each of them.
    expect(v.clearBoundaries, `${who}: changes of track heard clear of disturbances`).toBeGreaterThanOrEqual(
      3,
    );
    if (disturbances.length === 0) {
      // As long as the parts together, give or take what the drift controller may add or take while it
      // follows the output clock map (at most `maxPpm`, 500 ppm: 5.7 ms over the take) and 1 ms; a frame lost
      // or doubled at a boundary is a whole codec frame or block (24 ms of MP3, tens of ms of FLAC). A
      // disturbance re-positions the sound, which changes the length by its size.
      const lengthLimit = TOTAL * MAX_PPM * 1e-6 + RATE * 0.001;
      expect(
        Math.abs(c.lengthFrames - TOTAL),
        `${who}: the sine runs as long as the parts together`,
      ).toBeLessThan(lengthLimit);
    }
  }
}

test.describe('acoustic: gapless and crossfade', () => {
  test.skip(!pulse.ok, pulse.ok ? '' : pulse.reason);
  test.describe.configure({ timeout: 300_000 });

  // FLAC decodes to the exact samples. A take asserts no break at a change of track or in the 300 ms after
  // it, whatever the cause, and none elsewhere that the engine's events do not explain (gapless-judge.ts):
  // on the 2-core rig under load a page's output underruns or moves now and then, and the engine
  // re-positions after it, with no change of track near (the stall tests' subject); at least 3 of the 4
  // changes must be heard clear of those. Every change of track went on
  // without a restart in the takes since the fixes (docs/sync.md, "Gapless and crossfade"): the decoder's end
  // of each track a chunk short, the leader's end timer reading group time twice, a stop that did not forget
  // readiness. Two re-positions of exactly 5.33 ms
  // (256 frames) 20 ms apart with no move of the output noted come mid-track now and then (here and in the
  // engine tests; not explained). The length is checked where no disturbance re-positioned the sound. A first
  // start that began late (the follower's, 3 and 35 ms, in 2 of 8 FLAC takes on 2026-12-07; not traced) is
  // the start's fault, judged by the start tests, and excused here like a disturbance.
  // FLAC was fixme after 3 of 4 earlier takes that day (load 1-3) in which a page's output underran or moved
  // 28-91 ms after a change of FLAC track; 8 takes on 2026-12-07 on an idle machine (5 with the decoder's
  // paced window fill, 3 without) had none at a change, every change sample-exact, and passed.
  test('a sine cut into 5 FLAC files plays as one unbroken sine on both speakers', async () => {
    await proveGapless('gapless FLAC', ['-c:a', 'flac'], 'flac');
  });

  // MP3 codes a cut sine with noise near each cut: FFmpeg's own decode of the parts, joined, steps up to about
  // 3 times the sine's step there, which is the limit here; a gap or a doubled frame is a step of the sine's size.
  test('a sine cut into 5 LAME MP3 files plays as one unbroken sine on both speakers', async () => {
    await proveGapless('gapless MP3', ['-c:a', 'libmp3lame', '-b:a', '320k'], 'mp3');
  });

  // One take on the rig (load ~4): 440/660 Hz levels mid-overlap 0.056/0.068 (holder) and 0.062/0.062 (follower)
  // of 0.088 alone, i.e. 0.64-0.77 of full level where equal power gives 0.71; neither tone outside the overlap.
  // Each level is the median of 100 ms windows (a whole number of periods of both tones, so neither leaks into
  // the other's bin) over a stretch: a page's output that underruns or re-positions for a few tens of ms under
  // the full suite's load (one take of a fresh-clone run: 440 Hz at 0.055 of 0.088 in a single 200 ms window)
  // spoils a window or two, not the median.
  test('a 2 s crossfade between a 440 Hz and a 660 Hz track is heard as both tones at once', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-crossfade-'));
    for (const [name, hz] of [
      ['a', 440],
      ['b', 660],
    ] as const)
      execFileSync('ffmpeg', [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=${RATE}:duration=6`],
        ...['-ac', '2', '-c:a', 'flac', '-metadata', `album=Tone ${name}`, '-metadata', 'track=1'],
        path.join(dir, `${name}.flac`),
      ]);
    room = await roomOn(dir);
    await room.command(room.holder, 'crossfade', { sec: 2 });
    const tracks = (await room.tracks()).filter((t) => t.album.startsWith('Tone '));
    tracks.sort((x, y) => x.album.localeCompare(y.album));
    const ids = tracks.map((t) => t.trackId);
    await room.command(room.follower, 'queue/replace', { trackIds: ids, playIndex: 0 });
    await room.waitPlaying(ids[0]!);
    await room.command(room.holder, 'stop');
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const { take } = await playThrough(room, rig!, ids, 12);
    for (const [channel, who] of ['holder', 'follower'].entries()) {
      const x = take.audio.channels[channel]!;
      const first = x.findIndex((v) => Math.abs(v) > 0.01);
      /** Median 440 and 660 Hz levels of the 100 ms windows (50 ms apart) between `fromSec` and `toSec` of the take. */
      const levels = (fromSec: number, toSec: number) => {
        const a: number[] = [];
        const b: number[] = [];
        for (let t = fromSec; t + 0.1 <= toSec + 1e-9; t += 0.05) {
          const s = x.subarray(first + Math.round(t * RATE), first + Math.round((t + 0.1) * RATE));
          a.push(toneLevel(s, RATE, 440));
          b.push(toneLevel(s, RATE, 660));
        }
        const median = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1]!;
        return [median(a), median(b)] as const;
      };
      // Track A alone for its first 4 s, the overlap 4-6 s (its middle 5 s), track B alone from 6 s to 10 s.
      const [beforeA, beforeB] = levels(1, 3.8);
      const [midA, midB] = levels(4.85, 5.15);
      const [afterA, afterB] = levels(6.2, 9.5);
      console.log(
        `crossfade, ${who}: 440/660 Hz levels before ${beforeA.toFixed(4)}/${beforeB.toFixed(4)}, ` +
          `mid-overlap ${midA.toFixed(4)}/${midB.toFixed(4)}, after ${afterA.toFixed(4)}/${afterB.toFixed(4)}`,
      );
      expect(beforeB).toBeLessThan(beforeA * 0.05);
      expect(afterA).toBeLessThan(afterB * 0.05);
      // Equal power: each at cos(π/4) ≈ 0.71 of its full level in the middle.
      expect(midA / beforeA).toBeGreaterThan(0.55);
      expect(midA / beforeA).toBeLessThan(0.85);
      expect(midB / afterB).toBeGreaterThan(0.55);
      expect(midB / afterB).toBeLessThan(0.85);
    }
  });
});
