/**
 * The control topic's messages. Every message is one UTF-8 JSON object with a common envelope
 * (`v`, `type`, `from`, `epoch`, `seq`) and a body chosen by `type`; this file says what each may
 * hold (types, limits, validators), and `codec.ts` encodes, decodes and checks them.
 *
 * Adding a message type takes two entries: its body in `ControlBodies` and its field
 * validators in `controlBodyValidators`. Peers running an older build ignore the new type
 * (`ignored: unknownType`) instead of rejecting it, so types can be added without a version bump;
 * changing the meaning of an existing field needs a new `v`.
 */
import type { Validator } from '../validate';
import { arrayOf, bool, int, nullable, num, obj, oneOf, optional, str } from '../validate';
import { err, ok } from '../result';
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

// Base58btc, base32 and base36 peer id strings are all alphanumeric.
const PEER_ID = /^[A-Za-z0-9]+$/;

/** A peer id as the control protocol takes it (base58btc, base32 or base36 text). */
export const controlPeerId: Validator<string> = (input, path) =>
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

/** Every message type's field validators, by type name (the codec checks each body against them). */
export const controlBodyValidators: BodyValidators = {
  heartbeat: {
    // A name other devices show: control and direction characters removed, broken text refused (#24).
    name: shownText(controlLimits.maxNameChars),
    priority,
    addrs: arrayOf(str(controlLimits.maxAddrChars, 1), controlLimits.maxAddrs),
    role: oneOf<Role>('leader', 'follower', 'candidate'),
    leaderId: nullable(controlPeerId),
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
  election: { priority, leaderId: nullable(controlPeerId) },
  answer: { to: controlPeerId, priority },
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

/** True when `type` names a message type this build understands. */
export const isControlType = (type: string): type is ControlType =>
  Object.hasOwn(controlBodyValidators, type);
