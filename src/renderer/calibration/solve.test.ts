import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { measureRepetition, solveDelays, type ScheduledSweep } from './solve';
import { detectArrival } from './detect';
import { sweep, sweepAt } from './test-signal';

const RATE = 48_000;
const reference = sweep(RATE);

interface Source {
  speakerId: string;
  dueSec: number;
  /** Hidden delay of this speaker (s); null: it makes no sound. */
  delaySec: number | null;
  gain?: number;
  /** A reflection: delay after the direct sound (s) and relative level. */
  echo?: [number, number];
}

/**
 * What a microphone in a room would record: each speaker's sweep, late by its hidden delay (exact to
 * a fraction of a frame), with a wall's reflection, under music and noise.
 */
function room(
  sources: readonly Source[],
  { seconds = 4, noise = 0.02, music = 0.1, seed = 1 } = {},
): { recording: Float32Array; schedule: ScheduledSweep[] } {
  const random = seededRandom(seed);
  const recording = new Float32Array(seconds * RATE);
  for (let i = 0; i < recording.length; i++) {
    const t = i / RATE;
    // Background music: a few tones, slowly swelling; room noise: white.
    const tones =
      Math.sin(2 * Math.PI * 220 * t) + Math.sin(2 * Math.PI * 330 * t) + Math.sin(2 * Math.PI * 1250 * t);
    let value =
      music * (0.5 + 0.5 * Math.sin(2 * Math.PI * 0.3 * t)) * tones + noise * (random() * 2 - 1) * 1.7;
    for (const s of sources) {
      if (s.delaySec === null) continue;
      const gain = s.gain ?? 0.3;
      value += gain * sweepAt(t - s.dueSec - s.delaySec);
      if (s.echo) value += gain * s.echo[1] * sweepAt(t - s.dueSec - s.delaySec - s.echo[0]);
    }
    recording[i] = value;
  }
  return { recording, schedule: sources.map((s) => ({ speakerId: s.speakerId, dueFrame: s.dueSec * RATE })) };
}

describe('room calibration', () => {
  it('finds each speaker’s hidden delay to a few microseconds, under music and noise, with an echo', () => {
    const speakers: Source[] = [
      { speakerId: 'tv', dueSec: 0.2, delaySec: 0.0123, echo: [0.004, 0.4] },
      { speakerId: 'desk', dueSec: 1.2, delaySec: 0.0004, gain: 0.15 },
      { speakerId: 'bluetooth', dueSec: 2.2, delaySec: 0.18725, echo: [0.0025, 0.5] },
    ];
    const repetitions = [1, 2, 3].map((seed) => {
      // Each repetition hears the same delays (the air and the microphone do not change).
      const { recording, schedule } = room(speakers, { seed });
      return measureRepetition(recording, reference, schedule, { sampleRate: RATE });
    });
    for (const r of repetitions) for (const d of r.values()) expect(d.ok).toBe(true);
    const result = solveDelays(repetitions);
    const byId = new Map(result.map((r) => [r.speakerId, r]));
    expect(byId.get('tv')?.delayMs).toBeCloseTo(12.3, 2);
    expect(byId.get('desk')?.delayMs).toBeCloseTo(0.4, 2);
    expect(byId.get('bluetooth')?.delayMs).toBeCloseTo(187.25, 2);
    // The earliest speaker needs nothing; the others play earlier by how much later they are heard.
    expect(byId.get('desk')?.correctionMs).toBe(0);
    expect(byId.get('tv')?.correctionMs).toBeCloseTo(11.9, 2);
    expect(byId.get('bluetooth')?.correctionMs).toBeCloseTo(186.85, 2);
    for (const r of result) expect(r.confidence).toBe('high');
  });

  it('says a speaker that cannot be heard is not heard, and guesses nothing for it', () => {
    const speakers: Source[] = [
      { speakerId: 'kitchen', dueSec: 0.2, delaySec: 0.003 },
      { speakerId: 'unplugged', dueSec: 1.2, delaySec: null },
    ];
    const repetitions = [1, 2, 3].map((seed) => {
      const { recording, schedule } = room(speakers, { seed, seconds: 2 });
      return measureRepetition(recording, reference, schedule, { sampleRate: RATE });
    });
    const unplugged = solveDelays(repetitions).find((r) => r.speakerId === 'unplugged');
    expect(unplugged).toMatchObject({ heard: false, delayMs: null, correctionMs: null, confidence: 'none' });
    expect(unplugged?.rejected.weak).toBe(3);
  });

  it('rejects a measurement drowned in noise as weak, and one with two equal arrivals as ambiguous', () => {
    const drowned = room([{ speakerId: 'far', dueSec: 0.2, delaySec: 0.01, gain: 0.0005 }], {
      seconds: 1,
      noise: 0.5,
    });
    const weak = measureRepetition(drowned.recording, reference, drowned.schedule, { sampleRate: RATE });
    expect(weak.get('far')).toMatchObject({ ok: false, reason: 'weak', delayMs: null });

    // Two speakers given the same slot (or an echo as loud as the sound): which is which cannot be told.
    const twice = room([{ speakerId: 'twin', dueSec: 0.2, delaySec: 0.01, echo: [0.02, 1] }], { seconds: 1 });
    const ambiguous = measureRepetition(twice.recording, reference, twice.schedule, { sampleRate: RATE });
    expect(ambiguous.get('twin')).toMatchObject({ ok: false, reason: 'ambiguous', delayMs: null });
  });

  it('takes the median of repetitions, so one bad take does not move the result', () => {
    const make = (delayMs: number | null, ok = true) =>
      new Map([
        [
          's',
          ok
            ? { ok: true as const, lagFrames: 0, prominence: 50, peakRatio: 5, delayMs }
            : {
                ok: false as const,
                reason: 'ambiguous' as const,
                lagFrames: 0,
                prominence: 50,
                peakRatio: 1,
                delayMs: null,
              },
        ],
      ]);
    const [s] = solveDelays([make(10.0), make(10.1), make(9.9), make(null, false), make(10.05)]);
    expect(s).toMatchObject({ heard: true, accepted: 4, total: 5, rejected: { ambiguous: 1 } });
    expect(s?.delayMs).toBeCloseTo(10.025, 3);
    expect(s?.spreadMs).toBeCloseTo(0.05, 3);
  });
});

describe('what is not an arrival', () => {
  it('finds none in silence, and none on the edge of the window (the skirt of one outside it)', () => {
    const silent = measureRepetition(
      new Float32Array(RATE),
      reference,
      [{ speakerId: 's', dueFrame: 1000 }],
      {
        sampleRate: RATE,
      },
    );
    expect(silent.get('s')).toMatchObject({ ok: false, reason: 'weak', delayMs: null });
    // The sweep arrives 40 ms before it was due: outside the window, which starts 5 ms before.
    const early = room([{ speakerId: 'early', dueSec: 0.3, delaySec: -0.04 }], { seconds: 1, music: 0 });
    const found = measureRepetition(early.recording, reference, early.schedule, { sampleRate: RATE });
    expect(found.get('early')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/weak|outside/),
      delayMs: null,
    });
    // A correlation still falling from a peak before the window: its highest value is the window's first.
    const skirt = Float32Array.from({ length: 2000 }, (_, i) => 1000 / (1 + i));
    expect(detectArrival(skirt, { fromFrame: 10, toFrame: 1500, sampleRate: RATE })).toMatchObject({
      ok: false,
      reason: 'outside',
    });
  });
});
