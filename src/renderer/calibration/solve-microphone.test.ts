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
 * white noise, uniform with peak `noise`, as `calibration-room.ts` plays it), A's sweep due at group time
 * `atMs` (0.1 s into the recording) and B's one slot (1.6 s) later, each late by its hidden delay plus
 * what the microphone's path adds at that time, `micLagSec(group ms)`.
 */
function take(
  delays: { a: number; b: number },
  {
    noise,
    micLagSec = () => 0,
    seed,
    atMs = 0,
  }: { noise: number; micLagSec?: (atMs: number) => number; seed: number; atMs?: number },
) {
  const random = seededRandom(seed);
  const recording = new Float32Array(Math.round(3.2 * RATE));
  const [lagA, lagB] = [micLagSec(atMs), micLagSec(atMs + 1600)];
  for (let i = 0; i < recording.length; i++) {
    const t = i / RATE;
    const a = sweepAt(t - 0.1 - delays.a - lagA);
    const b = sweepAt(t - 1.7 - delays.b - lagB);
    recording[i] = (a + b + noise * (random() * 2 - 1)) / 3;
  }
  const schedule = [
    { speakerId: 'a', dueFrame: 0.1 * RATE, atMs },
    { speakerId: 'b', dueFrame: 1.7 * RATE, atMs: atMs + 1600 },
  ];
  return measureRepetition(recording, reference, schedule, { sampleRate: RATE });
}

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

  it('a microphone path drifting and wandering through a round moves no correction', () => {
    // As an acoustic run measured (takesMs): every take later by 0.18 ms a second, a slot's B 0.29 ms more
    // than its A; and a wander of a few tenths of a millisecond from take to take, common to the take.
    const wander = [0.3, -0.2, 0.1, 0.4, -0.3];
    const takes = wander.map((w, i) =>
      take(
        { a: 0.002, b: 0.04205 },
        { noise: 0.15, atMs: i * 3200, micLagSec: (atMs) => (0.18 * atMs) / 1e6 + w / 1000, seed: i },
      ),
    );
    const [a, b] = solveDelays(takes);
    expect(a?.correctionMs).toBe(0);
    expect(Math.abs(b!.correctionMs! - 40.05)).toBeLessThan(0.05);
    // The takes agree on the difference: high confidence, though each speaker's own delay moved by 1.2 ms.
    expect(Math.max(...b!.takesMs) - Math.min(...b!.takesMs)).toBeGreaterThan(1);
    expect(b?.confidence).toBe('high');
  });

  it('a take that heard something else in one speaker’s slot does not carry its error to the other', () => {
    const ok = (delayMs: number) => ({
      ok: true as const,
      lagFrames: 0,
      prominence: 50,
      peakRatio: 5,
      delayMs,
    });
    const takes = [
      [10, 50],
      [10.5, 50.5],
      [9.5, 49.5],
      [10.2, 50.2],
      [10, 90],
    ].map(
      ([a, b]) =>
        new Map([
          ['a', ok(a!)],
          ['b', ok(b!)],
        ]),
    );
    const [a, b] = solveDelays(takes);
    // The four good takes put B 40 ms after A each time; the fifth's 80 ms is B's error alone.
    expect(b?.correctionMs).toBeCloseTo(40, 6);
    expect(a?.delayMs).toBeCloseTo(10.1, 6);
    expect(a?.spreadMs).toBeCloseTo(0, 6);
  });
});
