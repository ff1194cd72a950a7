import { describe, expect, it } from 'vitest';
import type { SignalPlan } from '../../shared/calibration/messages';
import { seededRandom } from '../../shared/random';
import { speakerFigures } from './offsets';
import { measureSpeakers, type Recording, type SessionDeps } from './session';
import { sweepAt } from './test-signal';

const RATE = 48_000;

/**
 * A room the session measures: each speaker sounds its signals late by its hidden delay (null: never),
 * the microphone hears everything late by its own latency, under noise; `drownedRounds` rounds are lost
 * in a burst of noise (a door slams) for the speakers named.
 */
function simulatedRoom(
  hidden: Record<string, number | null>,
  { micLatencyMs = 37, noise = 0.05, drowned = [] as string[], drownedRounds = 0, seed = 1 } = {},
) {
  let now = 10_000;
  let plan: SignalPlan | null = null;
  let round = 0;
  const random = seededRandom(seed);
  const deps: SessionDeps = {
    groupNow: () => now,
    play: async (p) => {
      plan = p;
    },
    record: async (fromGroupMs, toGroupMs): Promise<Recording> => {
      await Promise.resolve();
      round++;
      const samples = new Float32Array(Math.ceil(((toGroupMs - fromGroupMs) / 1000) * RATE));
      for (let i = 0; i < samples.length; i++) samples[i] = noise * (random() * 2 - 1);
      for (const s of plan?.signals ?? []) {
        const delay = hidden[s.peerId];
        if (delay === null || delay === undefined) continue;
        const gain = drowned.includes(s.peerId) && round <= drownedRounds ? 0.0005 : 0.3;
        for (const at of s.atGroupMs) {
          const startSec = (at - fromGroupMs + delay + micLatencyMs) / 1000;
          const first = Math.floor(startSec * RATE);
          for (let f = Math.max(0, first); f < Math.min(samples.length, first + 0.51 * RATE); f++)
            samples[f]! += gain * sweepAt(f / RATE - startSec);
        }
      }
      now = toGroupMs + 100;
      return { samples, sampleRate: RATE, frameOfGroup: (g) => ((g - fromGroupMs) / 1000) * RATE };
    },
  };
  return deps;
}

describe('a calibration session', () => {
  it('measures each speaker’s hidden delay relative to the others, whatever the microphone’s latency', async () => {
    const deps = simulatedRoom({ a: 2.5, b: 42.5, c: 182.25 }, { micLatencyMs: 61 });
    const delays = await measureSpeakers(deps, ['a', 'b', 'c'], { calibrationId: 'x' });
    const figures = speakerFigures(
      delays,
      ['a', 'b', 'c'].map((peerId) => ({ peerId, name: peerId, outputOffsetMs: 0 })),
      { wholeRoom: true },
    );
    const byId = new Map(figures.map((f) => [f.peerId, f]));
    expect(byId.get('a')?.proposedOffsetMs).toBeCloseTo(0, 1);
    expect(byId.get('b')?.proposedOffsetMs).toBeCloseTo(40, 1);
    expect(byId.get('c')?.proposedOffsetMs).toBeCloseTo(179.75, 1);
    for (const f of figures) expect(f).toMatchObject({ heard: true, accepted: 3, confidence: 'high' });
  });

  it('plays again a speaker whose takes were drowned, and reports one never heard as unheard', async () => {
    const deps = simulatedRoom({ a: 0, b: 10, gone: null }, { drowned: ['b'], drownedRounds: 1 });
    const rounds: string[] = [];
    const delays = await measureSpeakers(
      { ...deps, progress: (line) => rounds.push(line) },
      ['a', 'b', 'gone'],
      { calibrationId: 'x' },
    );
    const byId = new Map(delays.map((d) => [d.speakerId, d]));
    // Round 1 lost b in the noise; round 2 heard it; "gone" was asked three times and never heard.
    expect(rounds).toHaveLength(3);
    expect(byId.get('b')).toMatchObject({ heard: true, accepted: 3 });
    expect(byId.get('b')?.rejected.weak).toBe(3);
    expect((byId.get('b')?.delayMs ?? 0) - (byId.get('a')?.delayMs ?? 0)).toBeCloseTo(10, 1);
    expect(byId.get('gone')).toMatchObject({ heard: false, delayMs: null, confidence: 'none' });
  });

  it('checks without proposing more than the offsets already set, and flags a speaker that moved', () => {
    const figures = speakerFigures(
      [
        {
          speakerId: 'a',
          heard: true,
          delayMs: 60.1,
          spreadMs: 0.02,
          takesMs: [],
          accepted: 3,
          total: 3,
          confidence: 'high',
          rejected: {},
          correctionMs: 0,
        },
        {
          speakerId: 'b',
          heard: true,
          delayMs: 60.3,
          spreadMs: 0.02,
          takesMs: [],
          accepted: 3,
          total: 3,
          confidence: 'high',
          rejected: {},
          correctionMs: 0.2,
        },
        {
          speakerId: 'bt',
          heard: true,
          delayMs: 95.3,
          spreadMs: 0.1,
          takesMs: [95.2, 95.3, 95.4],
          accepted: 3,
          total: 3,
          confidence: 'high',
          rejected: {},
          correctionMs: 35.2,
        },
      ],
      [
        { peerId: 'a', name: 'A', outputOffsetMs: 0 },
        { peerId: 'b', name: 'B', outputOffsetMs: 40 },
        { peerId: 'bt', name: 'Bluetooth', outputOffsetMs: 180 },
      ],
      { wholeRoom: true },
    );
    expect(figures.map((f) => f.residualMs)).toEqual([-0.2, 0, 35]);
    expect(figures.map((f) => f.changed)).toEqual([false, false, true]);
    expect(figures.map((f) => f.proposedOffsetMs)).toEqual([0, 40.2, 215.2]);
  });

  it('proposes nothing for a speaker whose takes disagree (it heard something else), and leaves it out of the line', () => {
    const take = {
      heard: true,
      accepted: 5,
      total: 5,
      confidence: 'low' as const,
      takesMs: [],
      rejected: {},
      correctionMs: 0,
    };
    const figures = speakerFigures(
      [
        { ...take, speakerId: 'a', delayMs: 823.6, spreadMs: 63.6 },
        { ...take, speakerId: 'b', delayMs: 190.2, spreadMs: 0.4 },
        { ...take, speakerId: 'c', delayMs: 150.2, spreadMs: 0.5 },
      ],
      ['a', 'b', 'c'].map((peerId) => ({ peerId, name: peerId, outputOffsetMs: 0 })),
      { wholeRoom: false },
    );
    expect(figures.map((f) => f.proposedOffsetMs)).toEqual([null, 40, 0]);
    expect(figures.map((f) => f.residualMs)).toEqual([null, 20, -20]);
  });
});
