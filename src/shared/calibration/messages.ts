/**
 * Room calibration's messages and records (#23). A calibrating window (any UI with a microphone) plans
 * when each speaker plays the test signal, in group time; its host peer sends the plan to the room
 * (`calibration:signal` on the control topic) and each speaker's peer hands its part to its windows.
 * The window measures, and reports the result to its host, which keeps the latest for the API.
 */
import type { Validator } from '../validate';
import { arrayOf, bool, int, num, obj, oneOf, optional, str } from '../validate';
import { err, ok } from '../result';

/** Most speakers one calibration plays, and most signals one speaker plays in one plan. */
export const CALIBRATION_LIMITS = { maxSpeakers: 32, maxSignalsPerSpeaker: 16, maxPlanMs: 120_000 } as const;

/** When one speaker plays the test signal: group times (ms) at which each signal starts. */
export interface SpeakerSignals {
  peerId: string;
  atGroupMs: number[];
}

/** One round of signals: from `startGroupMs` to `endGroupMs` the speakers play these in place of the music. */
export interface SignalPlan {
  calibrationId: string;
  startGroupMs: number;
  endGroupMs: number;
  signals: SpeakerSignals[];
}

/** What one speaker's windows are told to play. */
export interface SpeakerSignalPlan {
  calibrationId: string;
  startGroupMs: number;
  endGroupMs: number;
  atGroupMs: number[];
}

/** One speaker's measured figures, as a calibration reports them. */
export interface SpeakerCalibration {
  peerId: string;
  name: string;
  heard: boolean;
  /** Median arrival after it was due (ms, includes the microphone's latency, the same for every speaker). */
  delayMs: number | null;
  spreadMs: number | null;
  /** Each clear take's delay (ms after due, as heard), in order: how steady the measurement was. */
  takesMs?: number[];
  confidence: 'high' | 'medium' | 'low' | 'none';
  accepted: number;
  total: number;
  rejected: { weak?: number; ambiguous?: number; outside?: number };
  /** Its output offset when measured. */
  outputOffsetMs: number;
  /** The output offset that puts it in line with the others (calibrate only; null when not heard). */
  proposedOffsetMs: number | null;
  /** How far it is heard from the others' median (ms; positive: late). */
  residualMs: number | null;
  /** Check only: out of line by more than the tolerance, so its hidden delay changed (a Bluetooth reconnect). */
  changed: boolean;
}

/** A calibration or a check, as the API shows it. */
export interface CalibrationReport {
  calibrationId: string;
  mode: 'calibrate' | 'check';
  state: 'running' | 'done' | 'failed';
  /** The window that measured. */
  by: string;
  startedAtMs: number;
  finishedAtMs: number | null;
  speakers: SpeakerCalibration[];
  /** Why it failed, or what the user should know (plain words). */
  message: string | null;
}

const PEER_ID = /^[A-Za-z0-9]{1,128}$/;
const CALIBRATION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A peer id. */
export const calibrationPeerId: Validator<string> = (input, path) =>
  typeof input === 'string' && PEER_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'peerId'}: expected a peer id`);
/** A calibration's id. */
export const calibrationIdValidator: Validator<string> = (input, path) =>
  typeof input === 'string' && CALIBRATION_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'calibrationId'}: expected an id of 1–64 letters, digits, - or _`);

const groupMs = num(0, 2 ** 52);

/** A plan's times must lie inside it and it must be short: a peer's plan is untrusted input. */
function checkPlanTimes(plan: { startGroupMs: number; endGroupMs: number; times: number[] }, path?: string) {
  if (
    plan.endGroupMs <= plan.startGroupMs ||
    plan.endGroupMs - plan.startGroupMs > CALIBRATION_LIMITS.maxPlanMs
  )
    return err(
      `${path ?? 'plan'}: its end must follow its start by at most ${CALIBRATION_LIMITS.maxPlanMs} ms`,
    );
  if (plan.times.some((t) => t < plan.startGroupMs || t > plan.endGroupMs))
    return err(`${path ?? 'plan'}: every signal must lie between its start and end`);
  return ok(undefined);
}

const speakerSignals = obj({
  peerId: calibrationPeerId,
  atGroupMs: arrayOf(groupMs, CALIBRATION_LIMITS.maxSignalsPerSpeaker),
}) as Validator<SpeakerSignals>;

/** A signal plan (from a window, or a peer on the control topic). */
export const signalPlanValidator: Validator<SignalPlan> = (input, path) => {
  const r = obj({
    calibrationId: calibrationIdValidator,
    startGroupMs: groupMs,
    endGroupMs: groupMs,
    signals: arrayOf(speakerSignals, CALIBRATION_LIMITS.maxSpeakers),
  })(input, path);
  if (!r.ok) return r;
  const times = r.value.signals.flatMap((s) => s.atGroupMs);
  const checked = checkPlanTimes({ ...r.value, times }, path);
  return checked.ok ? ok(r.value as SignalPlan) : checked;
};

/** What a speaker's peer hands its windows: its own part of a plan. */
export function planFor(plan: SignalPlan, peerId: string): SpeakerSignalPlan | null {
  const own = plan.signals.find((s) => s.peerId === peerId);
  if (!own || own.atGroupMs.length === 0) return null;
  const { calibrationId, startGroupMs, endGroupMs } = plan;
  return { calibrationId, startGroupMs, endGroupMs, atGroupMs: [...own.atGroupMs] };
}

/** `POST /api/calibration`: which speakers (default: every speaker in the room), and whether it only checks. */
export const calibrationStartValidator = obj({
  peerIds: optional(arrayOf(calibrationPeerId, CALIBRATION_LIMITS.maxSpeakers)),
  check: optional(bool),
});

const nullableNum = (input: unknown, path?: string) =>
  input === null ? ok(null) : num(-1e6, 1e6)(input, path);
const count = optional(int(0, 1000));

/** A report a window sends its host (untrusted: a web page). */
export const calibrationReportValidator = obj({
  calibrationId: calibrationIdValidator,
  mode: oneOf('calibrate', 'check'),
  state: oneOf('running', 'done', 'failed'),
  by: str(64),
  startedAtMs: num(0, 2 ** 52),
  finishedAtMs: (input, path) => (input === null ? ok(null) : num(0, 2 ** 52)(input, path)),
  speakers: arrayOf(
    obj({
      peerId: calibrationPeerId,
      name: str(64),
      heard: bool,
      delayMs: nullableNum,
      spreadMs: nullableNum,
      takesMs: optional(arrayOf(num(-1e6, 1e6), 1000)),
      confidence: oneOf('high', 'medium', 'low', 'none'),
      accepted: int(0, 1000),
      total: int(0, 1000),
      rejected: obj({ weak: count, ambiguous: count, outside: count }),
      outputOffsetMs: num(-1e6, 1e6),
      proposedOffsetMs: nullableNum,
      residualMs: nullableNum,
      changed: bool,
    }),
    CALIBRATION_LIMITS.maxSpeakers,
  ),
  message: (input, path) => (input === null ? ok(null) : str(500)(input, path)),
}) as Validator<CalibrationReport>;

/** Body of the control topic's calibration message. */
export interface CalibrationBodies {
  'calibration:signal': { plan: SignalPlan };
}

/** Field validators of each body, for the control codec. */
export const calibrationBodyValidators: {
  [T in keyof CalibrationBodies]: { [K in keyof CalibrationBodies[T]]-?: Validator<CalibrationBodies[T][K]> };
} = { 'calibration:signal': { plan: signalPlanValidator } };

/** Whether `type` names a calibration message type. */
export const isCalibrationMessageType = (type: unknown): type is keyof CalibrationBodies =>
  type === 'calibration:signal';
