/**
 * The control topic's message codec. Every message is one UTF-8 JSON object with a common
 * envelope (`v`, `type`, `from`, `epoch`, `seq`) and a body chosen by `type`.
 *
 * Adding a message type takes two entries: its body in `ControlBodies` and its field
 * validators in `bodyValidators`. Peers running an older build ignore the new type
 * (`ignored: unknownType`) instead of rejecting it, so types can be added without a version bump;
 * changing the meaning of an existing field needs a new `v`.
 */
import type { Validator } from '../validate';
import { arrayOf, bool, int, nullable, num, obj, oneOf, optional, str } from '../validate';
import { err, ok, type Result } from '../result';
import { shownText } from '../text/shown-text';
import type { ClockInfo, DownloadInfo, Role, SpeakerReport, SpeakerState } from '../status';
import { playbackBodyValidators, type PlaybackBodies } from '../playback/messages';
import { swarmBodyValidators, type SwarmBodies } from '../swarm/messages';
import { deviceBodyValidators, type DeviceBodies } from '../devices/output';
import { playlistBodyValidators, type PlaylistBodies } from '../playlists/playlist';
import { loudnessBodyValidators, type LoudnessBodies } from '../library/loudness-message';
import { liveBodyValidators, type LiveBodies } from '../live/sources';
import { calibrationBodyValidators, type CalibrationBodies } from '../calibration/messages';

/** The version this build speaks; envelopes with a higher `v` are ignored, not rejected. */
export const CONTROL_PROTOCOL_VERSION = 1;

/** Size limits applied to every control message, on encode and on decode. */
export const controlLimits = {
  maxMessageBytes: 64 * 1024,
  maxPeerIdChars: 128,
  maxTypeChars: 32,
  maxNameChars: 64,
  maxAddrs: 32,
  maxAddrChars: 256,
  maxPriority: 1_000_000_000,
  /** Far beyond any real count of elections, and low enough that epoch + 1 is always exact. */
  maxEpoch: 2 ** 48,
} as const;

/** Fields every control message carries. */
export interface ControlEnvelope {
  /** Protocol version. */
  v: number;
  /** Sender peer id; the decoder checks it against the transport's verified sender. */
  from: string;
  /**
   * The sender's room epoch (see election/bully.ts): in a leadership claim, the epoch of the
   * claimed term; otherwise the highest epoch the sender knows. Leader-ordered messages
   * (playback commands) carry the leader's epoch.
   */
  epoch: number;
  /** Per-sender sequence number, assigned by whoever publishes on the topic. */
  seq: number;
}

/** Body of each message type, by type name. */
export interface ControlBodies
  extends
    PlaybackBodies,
    SwarmBodies,
    DeviceBodies,
    PlaylistBodies,
    LoudnessBodies,
    LiveBodies,
    CalibrationBodies {
  /** Sent by every member every heartbeat period: membership and leader liveness. */
  heartbeat: {
    name: string;
    priority: number;
    addrs: string[];
    role: Role;
    leaderId: string | null;
    /** The sender's clock against the leader (null on the leader, or before its first estimate). */
    clock: ClockInfo | null;
    /** Whether a window plays on the sender, so a start waits for it to be ready. */
    speaker: boolean;
    /** The track the sender is fetching and how far it got (null when it fetches nothing). */
    download: DownloadInfo | null;
    /** What the sender's speaker is doing (absent from builds before it existed). */
    output?: SpeakerReport | null;
    /**
     * The sender's heartbeat period: members time it out after a few missed ones. Absent from
     * builds before it existed; their heartbeats are taken at the default follower period.
     */
    periodMs?: number;
  };
  /** Bully ELECTION; `leaderId` is the leader the sender accepted at its epoch, if any. */
  election: { priority: number; leaderId: string | null };
  /** Bully ANSWER to the ELECTION of peer `to` (broadcast, so it names its addressee). */
  answer: { to: string; priority: number };
  /** Bully COORDINATOR: the sender leads the room from `epoch` on. */
  coordinator: { priority: number };
  /** The sender is leaving the room on purpose. */
  leave: Record<never, never>;
  // Playback bodies come from ../playback/messages, catalog deltas from ../swarm/messages.
}

export type ControlType = keyof ControlBodies;

/** A decoded message of one type. */
export type ControlMessageOf<T extends ControlType> = ControlEnvelope & { type: T } & ControlBodies[T];

/** Any decoded control message, discriminated by `type`. */
export type ControlMessage = { [T in ControlType]: ControlMessageOf<T> }[ControlType];

/**
 * A message before the publisher seals it: no `v` and no `seq`. Pure reducers emit drafts; the
 * one service that publishes on the topic numbers them with `sealControl`, so that all
 * messages from one peer share one sequence.
 */
export type ControlDraft = { [T in ControlType]: Omit<ControlMessageOf<T>, 'v' | 'seq'> }[ControlType];

/** Why a message was refused. */
export type InvalidReason = 'malformed' | 'oversize' | 'badField' | 'spoofedSender';
/** Why a well-formed message was set aside without being an error. */
export type IgnoreReason = 'newerVersion' | 'unknownType';

/**
 * Outcome of decoding. Its shape fits the control channel's generic decode result: `reason` is a
 * short category suitable as a counter key; `detail` says what exactly was wrong.
 */
export type DecodeResult =
  | { ok: true; value: ControlMessage }
  | { ok: false; ignored: true; reason: IgnoreReason; detail: string }
  | { ok: false; ignored: false; reason: InvalidReason; detail: string };

/** Thrown by `encodeControl` when this peer tries to send a message its own decoder would refuse. */
export class ControlEncodeError extends Error {
  override readonly name = 'ControlEncodeError';
}

// Base58btc, base32 and base36 peer id strings are all alphanumeric.
const PEER_ID = /^[A-Za-z0-9]+$/;

const peerId: Validator<string> = (input, path) =>
  typeof input === 'string' &&
  input.length >= 1 &&
  input.length <= controlLimits.maxPeerIdChars &&
  PEER_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'value'}: expected a peer id`);

const priority = int(-controlLimits.maxPriority, controlLimits.maxPriority);

type BodyValidators = {
  [T in ControlType]: { [K in keyof ControlBodies[T]]-?: Validator<ControlBodies[T][K]> };
};

const bodyValidators: BodyValidators = {
  heartbeat: {
    // A name other devices show: control and direction characters removed, broken text refused (#24).
    name: shownText(controlLimits.maxNameChars),
    priority,
    addrs: arrayOf(str(controlLimits.maxAddrChars, 1), controlLimits.maxAddrs),
    role: oneOf<Role>('leader', 'follower', 'candidate'),
    leaderId: nullable(peerId),
    clock: nullable(
      obj({
        offsetMs: num(-1e12, 1e12),
        driftPpm: num(-1e6, 1e6),
        rttMs: num(0, 1e6),
        errorMs: num(0, 1e12),
      }) as Validator<ClockInfo>,
    ),
    speaker: bool,
    download: nullable(
      obj({
        trackId: str(128, 1),
        haveChunks: int(0, 1_000_000),
        totalChunks: int(0, 1_000_000),
      }) as Validator<DownloadInfo>,
    ),
    output: optional(
      nullable(
        obj({
          state: oneOf<SpeakerState>('idle', 'playing', 'waiting', 'decoding', 'needs-click', 'failed'),
          detail: nullable(str(300)),
          syncErrorMs: nullable(num(-1e6, 1e6)),
        }) as Validator<SpeakerReport>,
      ),
    ),
    periodMs: optional(int(1, 600_000)),
  },
  election: { priority, leaderId: nullable(peerId) },
  answer: { to: peerId, priority },
  coordinator: { priority },
  leave: {},
  ...playbackBodyValidators,
  ...swarmBodyValidators,
  ...deviceBodyValidators,
  ...playlistBodyValidators,
  ...loudnessBodyValidators,
  ...liveBodyValidators,
  ...calibrationBodyValidators,
};

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['v', 'type', 'from', 'epoch', 'seq']);

/** True when `type` names a message type this build understands. */
export const isControlType = (type: string): type is ControlType => Object.hasOwn(bodyValidators, type);

type Checked = Result<
  ControlMessage,
  { ignored: boolean; reason: InvalidReason | IgnoreReason; detail: string }
>;

const refuse = (reason: InvalidReason, detail: string): Checked => err({ ignored: false, reason, detail });
const setAside = (reason: IgnoreReason, detail: string): Checked => err({ ignored: true, reason, detail });

/** Checks a parsed JSON value against the envelope and the body of its type. */
function checkMessage(input: unknown, expectedFrom: string | undefined): Checked {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return refuse('malformed', 'not a JSON object');
  const record = input as Record<string, unknown>;

  const v = record.v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    return refuse('badField', 'v: expected a positive integer');
  if (v > CONTROL_PROTOCOL_VERSION) return setAside('newerVersion', `v=${v}`);

  const from = peerId(record.from, 'from');
  if (!from.ok) return refuse('badField', from.error);
  if (expectedFrom !== undefined && from.value !== expectedFrom) {
    return refuse('spoofedSender', `from ${from.value} but delivered by ${expectedFrom}`);
  }

  const type = record.type;
  if (typeof type !== 'string' || type.length === 0 || type.length > controlLimits.maxTypeChars) {
    return refuse('badField', 'type: expected a short string');
  }
  if (!isControlType(type)) return setAside('unknownType', `type=${type}`);

  const epoch = int(0, controlLimits.maxEpoch)(record.epoch, 'epoch');
  if (!epoch.ok) return refuse('badField', epoch.error);
  const seq = int(0, Number.MAX_SAFE_INTEGER)(record.seq, 'seq');
  if (!seq.ok) return refuse('badField', seq.error);

  const shape = bodyValidators[type] as Record<string, Validator<unknown>>;
  for (const key of Object.keys(record)) {
    if (!ENVELOPE_KEYS.has(key) && !Object.hasOwn(shape, key))
      return refuse('badField', `unknown field "${key}"`);
  }
  const out: Record<string, unknown> = { v, type, from: from.value, epoch: record.epoch, seq: record.seq };
  for (const [key, validate] of Object.entries(shape)) {
    const r = validate(record[key], key);
    if (!r.ok) return refuse('badField', r.error);
    if (r.value !== undefined) out[key] = r.value;
  }
  return ok(out as unknown as ControlMessage);
}

interface Utf8 {
  encoder: { encode(text: string): Uint8Array };
  decoder: { decode(bytes: Uint8Array): string };
}

// TextEncoder/TextDecoder exist in Node and browsers alike, but the shared layer compiles
// without DOM or Node types, so they are reached through a narrow structural type.
let utf8: Utf8 | undefined;
const getUtf8 = (): Utf8 => {
  if (!utf8) {
    const g = globalThis as unknown as {
      TextEncoder: new () => Utf8['encoder'];
      TextDecoder: new (label: string, options: { fatal: boolean }) => Utf8['decoder'];
    };
    utf8 = { encoder: new g.TextEncoder(), decoder: new g.TextDecoder('utf-8', { fatal: true }) };
  }
  return utf8;
};

/** Adds the protocol version and the publisher's sequence number to a draft. */
export function sealControl(draft: ControlDraft, seq: number): ControlMessage {
  return { ...draft, v: CONTROL_PROTOCOL_VERSION, seq } as ControlMessage;
}

/** Encodes a message as UTF-8 JSON; throws `ControlEncodeError` if peers would refuse it. */
export function encodeControl(msg: ControlMessage): Uint8Array {
  const checked = checkMessage(msg, undefined);
  if (!checked.ok) throw new ControlEncodeError(`${checked.error.reason}: ${checked.error.detail}`);
  const bytes = getUtf8().encoder.encode(JSON.stringify(checked.value));
  if (bytes.length > controlLimits.maxMessageBytes) {
    throw new ControlEncodeError(`oversize: ${bytes.length} bytes > ${controlLimits.maxMessageBytes}`);
  }
  return bytes;
}

/**
 * Decodes and validates a peer's bytes; never throws. When `expectedFrom` is given (the sender
 * the transport verified), a message claiming another sender is refused as spoofed.
 */
export function decodeControl(bytes: Uint8Array, expectedFrom?: string): DecodeResult {
  if (!(bytes instanceof Uint8Array))
    return { ok: false, ignored: false, reason: 'malformed', detail: 'not bytes' };
  if (bytes.length > controlLimits.maxMessageBytes) {
    return { ok: false, ignored: false, reason: 'oversize', detail: `${bytes.length} bytes` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(getUtf8().decoder.decode(bytes));
  } catch {
    return { ok: false, ignored: false, reason: 'malformed', detail: 'not UTF-8 JSON' };
  }
  const checked = checkMessage(parsed, expectedFrom);
  if (checked.ok) return { ok: true, value: checked.value };
  const { ignored, reason, detail } = checked.error;
  return ignored
    ? { ok: false, ignored: true, reason: reason as IgnoreReason, detail }
    : { ok: false, ignored: false, reason: reason as InvalidReason, detail };
}
