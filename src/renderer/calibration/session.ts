/**
 * One calibration's measuring, as rounds (#23): the room's speakers play their test signals in turn while
 * this device records; each take is matched against the sweep; a speaker whose take was weak or ambiguous
 * plays again in the next round, up to `maxRounds`; then the median of its clear takes is its delay. A
 * speaker never heard clearly is reported unheard. The recording and the room are reached through `deps`,
 * so this runs the same against a simulated room in a unit test.
 */
import type { SignalPlan } from '../../shared/calibration/messages';
import { DEFAULT_TIMING, planRound, type PlanTiming, type Take } from './plan';
import { measureRepetition, solveDelays, type SpeakerDelay } from './solve';
import { sweep } from './test-signal';
import { SWEEP_SEC } from '../audio/decoder/sweep-train';
import type { Detection } from './detect';

/** What a round's recording gives: its samples, and where in them a group time falls. */
export interface Recording {
  samples: Float32Array;
  sampleRate: number;
  /** The recording's frame (fractional) whose sound the output heard at group time `groupMs` would be. */
  frameOfGroup(groupMs: number): number;
}

export interface SessionDeps {
  groupNow(): number;
  /** Sends the plan to the room's speakers. */
  play(plan: SignalPlan): Promise<void>;
  /** Records from group time `fromGroupMs` until `toGroupMs` has passed. */
  record(fromGroupMs: number, toGroupMs: number): Promise<Recording>;
  /** Progress, in plain words. */
  progress?(line: string): void;
}

export interface SessionOptions {
  calibrationId: string;
  /** Clear takes wanted of each speaker. */
  takes?: number;
  /** Rounds at most (the first, and retries of speakers not yet clearly heard). */
  maxRounds?: number;
  timing?: PlanTiming;
}

type Measured = Map<string, Detection & { delayMs: number | null }>;

/** Measures each of `peerIds`; see the file comment. */
export async function measureSpeakers(
  deps: SessionDeps,
  peerIds: readonly string[],
  options: SessionOptions,
): Promise<SpeakerDelay[]> {
  const wanted = options.takes ?? 3;
  const maxRounds = options.maxRounds ?? 3;
  const timing = options.timing ?? DEFAULT_TIMING;
  const results: Measured[] = [];
  const clear = new Map(peerIds.map((id) => [id, 0]));
  const references = new Map<number, Float32Array>();
  for (let round = 1; round <= maxRounds; round++) {
    const speakers = peerIds
      .map((peerId) => ({ peerId, takes: wanted - (clear.get(peerId) ?? 0) }))
      .filter((s) => s.takes > 0);
    if (speakers.length === 0) break;
    const { plan, takes } = planRound(options.calibrationId, deps.groupNow(), speakers, timing);
    deps.progress?.(
      round === 1
        ? `Listening to ${speakers.length} speaker${speakers.length === 1 ? '' : 's'}…`
        : `Trying again: ${speakers.length} speaker${speakers.length === 1 ? ' was' : 's were'} not heard clearly`,
    );
    const recording = deps.record(plan.startGroupMs, plan.endGroupMs);
    // Its failure is awaited below; until then it must not count as unhandled.
    recording.catch(() => undefined);
    await deps.play(plan);
    const heard = await recording;
    if (!heard.samples.some((v) => Math.abs(v) > 1e-6))
      throw new Error('the microphone heard nothing at all: is it muted, or held by another app?');
    let reference = references.get(heard.sampleRate);
    if (!reference) references.set(heard.sampleRate, (reference = sweep(heard.sampleRate)));
    for (const take of takes) {
      const measured = measureTake(heard, reference, take, timing);
      results.push(measured);
      for (const [id, d] of measured) if (d.ok) clear.set(id, (clear.get(id) ?? 0) + 1);
    }
  }
  const solved = solveDelays(results);
  // A speaker that never got a take (a round cut short) is still reported, as not heard.
  return peerIds.map(
    (id) =>
      solved.find((s) => s.speakerId === id) ?? {
        speakerId: id,
        heard: false,
        delayMs: null,
        spreadMs: null,
        takesMs: [],
        accepted: 0,
        total: 0,
        confidence: 'none',
        rejected: {},
        correctionMs: null,
      },
  );
}

/** Finds each speaker of one take in the part of the recording that holds it. */
function measureTake(heard: Recording, reference: Float32Array, take: Take, timing: PlanTiming): Measured {
  const rate = heard.sampleRate;
  const dues = take.map((s) => heard.frameOfGroup(s.atGroupMs));
  const from = Math.max(0, Math.floor(Math.min(...dues) - 0.05 * rate));
  const to = Math.min(
    heard.samples.length,
    Math.ceil(Math.max(...dues) + (SWEEP_SEC + timing.maxDelaySec + 0.05) * rate),
  );
  const schedule = take.map((s, i) => ({ speakerId: s.speakerId, dueFrame: dues[i]! - from }));
  return measureRepetition(heard.samples.subarray(from, Math.max(from, to)), reference, schedule, {
    sampleRate: rate,
    maxDelaySec: timing.maxDelaySec,
  });
}
