/**
 * What the recording device adds (#23): the acoustic rig's white noise in the microphone, and its input
 * path's latency wandering from take to take. Neither may move a speaker's correction.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { measureRepetition, solveDelays } from './solve';
import { sweep, sweepAt } from './test-signal';

const RATE = 48_000;
const reference = sweep(RATE);

/**
 * One take as the rig's microphone records it: a remap source averages the room's three channels (A, B and
 * white noise, uniform with peak `noise`, as `calibration-room.ts` plays it), A's sweep due at 0.1 s and B's
 * at 1.7 s, each late by its hidden delay plus the microphone path's `wanderSec` in this take.
 */
function take(
  delays: { a: number; b: number },
  { noise, wanderSec, seed }: { noise: number; wanderSec: number; seed: number },
) {
  const random = seededRandom(seed);
  const recording = new Float32Array(Math.round(3.2 * RATE));
  for (let i = 0; i < recording.length; i++) {
    const t = i / RATE - wanderSec;
    const a = sweepAt(t - 0.1 - delays.a);
    const b = sweepAt(t - 1.7 - delays.b);
    recording[i] = (a + b + noise * (random() * 2 - 1)) / 3;
  }
  const schedule = [
    { speakerId: 'a', dueFrame: 0.1 * RATE },
    { speakerId: 'b', dueFrame: 1.7 * RATE },
  ];
  return measureRepetition(recording, reference, schedule, { sampleRate: RATE });
}

/** Takes in which every speaker of `ids` was heard clearly, at the delays (ms) of each row. */
const clearTakes = (ids: string[], rows: number[][]) =>
  rows.map(
    (row) =>
      new Map(
        ids.map((id, i) => [
          id,
          { ok: true as const, lagFrames: 0, prominence: 50, peakRatio: 5, delayMs: row[i]! },
        ]),
      ),
  );

describe('the microphone’s noise and wander', () => {
  it('white noise as loud as the rig’s does not bias an arrival: each within 10 µs, at any fraction of a frame', () => {
    for (let k = 0; k < 8; k++) {
      // Delays that fall on every part of a frame (1/8 frame apart), 40 ms apart like the rig's loopback.
      const a = 0.0021 + k / 8 / RATE;
      const b = a + 0.04;
      const measured = take({ a, b }, { noise: 0.15, wanderSec: 0, seed: k + 1 });
      expect(measured.get('a')?.ok).toBe(true);
      expect(measured.get('b')?.ok).toBe(true);
      expect(Math.abs(measured.get('a')!.delayMs! - a * 1000)).toBeLessThan(0.01);
      expect(Math.abs(measured.get('b')!.delayMs! - b * 1000)).toBeLessThan(0.01);
    }
  });

  it('a microphone path wandering by a millisecond from take to take moves no correction', () => {
    const random = seededRandom(23);
    // The spread the acoustic rig measured per speaker (0.5–1 ms median absolute deviation), common to a take.
    const wanders = [0.0012, -0.0009, 0.0004, 0.0015, -0.0003];
    const takes = wanders.map((wanderSec, i) =>
      take(
        { a: 0.002, b: 0.04205 },
        { noise: 0.15, wanderSec: wanderSec + (random() - 0.5) * 1e-5, seed: i },
      ),
    );
    const [a, b] = solveDelays(takes);
    expect(a?.correctionMs).toBe(0);
    expect(b?.correctionMs).toBeCloseTo(40.05, 1);
    expect(Math.abs(b!.correctionMs! - 40.05)).toBeLessThan(0.02);
    // The takes agree on the difference: high confidence, though each speaker's own delay wandered.
    expect(b?.confidence).toBe('high');
  });

  it('a take that heard something else in one speaker’s slot does not carry its error to the other', () => {
    const takes = clearTakes(
      ['a', 'b'],
      [
        [10, 50],
        [10.5, 50.5],
        [9.5, 49.5],
        [10.2, 50.2],
        [10, 90],
      ],
    );
    const [a, b] = solveDelays(takes);
    // The four good takes put B 40 ms after A each time; the fifth's 80 ms is B's error alone.
    expect(b?.correctionMs).toBeCloseTo(40, 6);
    // A is the reference: its own median; as sure as B's difference from it.
    expect(a?.delayMs).toBeCloseTo(10, 6);
    expect(a?.spreadMs).toBeCloseTo(0, 6);
  });

  it('a step of the microphone path part way through the takes moves no correction', () => {
    // Measured in a .ci/run: every arrival 22 ms later from the third take's second slot on. The medians of
    // each speaker's own takes came out 62 ms apart for a hidden delay of 40.
    const takes = clearTakes(
      ['holder', 'follower'],
      [
        [125.64, 166.18],
        [125.96, 166.67],
        [126.68, 188.62],
        [148.35, 189.13],
        [148.78, 189.64],
      ],
    );
    const [holder, follower] = solveDelays(takes);
    expect(holder?.correctionMs).toBe(0);
    // The four takes the step did not split put the follower 40.54-40.86 ms after the holder.
    expect(follower?.correctionMs).toBeGreaterThan(40.5);
    expect(follower?.correctionMs).toBeLessThan(40.9);
    expect(follower?.confidence).toBe('high');
  });
});
