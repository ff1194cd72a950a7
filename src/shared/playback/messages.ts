/**
 * Playback messages on the control topic. Each is a plain object: `type` plus body fields, which
 * the control codec places beside its envelope (`v`, `type`, `from`, `epoch`, `seq`); no body
 * field uses an envelope name. To register them in the codec, add `PlaybackBodies` to its
 * bodies and spread `playbackBodyValidators` into its field validators.
 *
 * - `playback:command`: a peer asks the leader (`to`) to apply a command; `requestId` pairs it
 *   with the reply.
 * - `playback:state`: the leader's whole state, on every change and periodically; `reply`
 *   answers one command (error null when it was applied). Followers also send their state in
 *   answer to a collecting sync request from a new leader.
 * - `playback:sync-request`: a peer that joined or restarted asks the leader for the state;
 *   with `collect`, a new leader asks every member for the newest state it holds.
 * - `playback:ready`: the sender has `trackId` fetched and decoded; `version` is the state
 *   version it saw when it reported (for logs; readiness is per track).
 * - `playback:lead`: what the sender's speaker needs before a start (ms: its output latency and
 *   offset); the leader's lead time is the largest need plus a margin (barrier.ts). A peer of an
 *   older build sets the type aside and its leader keeps the default lead.
 * - `playback:unplayable`: the sender's speaker cannot play `trackId` (it cannot be decoded
 *   there, or its bytes cannot be had); `reason` in plain words. A track no speaker can play is
 *   skipped by the leader.
 */
import {
  bool,
  int,
  isTypeOf,
  messageValidator,
  nullable,
  obj,
  type BodyValidators,
  type Validator,
} from '../validate';
import { err, ok, type Result } from '../result';
import { MAX_SPEAKER_NEED_MS } from './barrier';
import type { PlaybackCommand, PlaybackState } from './state';
import {
  commandValidator,
  peerIdValidator,
  requestIdValidator,
  stateValidator,
  trackIdValidator,
} from './validate';

/** The leader's answer to one command, carried in the state message that follows it. */
export interface PlaybackReply {
  /** Peer that sent the command. */
  to: string;
  requestId: string;
  /** Why the command was refused, or null when it was applied. */
  error: string | null;
}

/** Body of each playback message type. */
export interface PlaybackBodies {
  'playback:command': { to: string; requestId: string; command: PlaybackCommand };
  'playback:state': { state: PlaybackState; reply: PlaybackReply | null };
  'playback:sync-request': { collect: boolean };
  'playback:ready': { trackId: string; version: number };
  /** What this member's speaker needs before a start (`LeadBook` in barrier.ts), sent before its ready report. */
  'playback:lead': { needMs: number };
  'playback:unplayable': { trackId: string; version: number; reason: string };
}

/** Longest reason a speaker may give for not playing a track. */
export const UNPLAYABLE_REASON_MAX = 300;

const reasonValidator: Validator<string> = (input, path) =>
  typeof input === 'string' &&
  input.length > 0 &&
  input.length <= UNPLAYABLE_REASON_MAX &&
  // eslint-disable-next-line no-control-regex
  !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(input)
    ? ok(input)
    : err(`${path ?? 'reason'}: expected a short line of text (1-${UNPLAYABLE_REASON_MAX} characters)`);

export type PlaybackMessageType = keyof PlaybackBodies;

/** One playback message of type T: its type and body fields. */
export type PlaybackMessageOf<T extends PlaybackMessageType> = { type: T } & PlaybackBodies[T];

/** Any playback message, discriminated by `type`. */
export type PlaybackMessage = { [T in PlaybackMessageType]: PlaybackMessageOf<T> }[PlaybackMessageType];

const replyValidator: Validator<PlaybackReply> = obj({
  to: peerIdValidator,
  requestId: requestIdValidator,
  error: nullable((input, path) =>
    typeof input === 'string' && input.length <= 512
      ? ok(input)
      : err(`${path ?? 'error'}: expected a short string`),
  ),
}) as Validator<PlaybackReply>;

/** Field validators of each body, in the shape the control codec's `bodyValidators` takes. */
export const playbackBodyValidators: BodyValidators<PlaybackBodies> = {
  'playback:command': { to: peerIdValidator, requestId: requestIdValidator, command: commandValidator },
  'playback:state': { state: stateValidator, reply: nullable(replyValidator) },
  'playback:sync-request': { collect: bool },
  'playback:ready': { trackId: trackIdValidator, version: int(0, Number.MAX_SAFE_INTEGER) },
  'playback:lead': { needMs: int(0, MAX_SPEAKER_NEED_MS) },
  'playback:unplayable': {
    trackId: trackIdValidator,
    version: int(0, Number.MAX_SAFE_INTEGER),
    reason: reasonValidator,
  },
};

/** Every playback message type. */
export const playbackMessageTypes = Object.keys(playbackBodyValidators) as PlaybackMessageType[];

/** Whether `type` names a playback message type. */
export const isPlaybackMessageType: (type: unknown) => type is PlaybackMessageType =
  isTypeOf(playbackBodyValidators);

/**
 * Checks an untrusted playback message: `type` plus exactly its body fields. Envelope fields of
 * a decoded control message are ignored, so both a bare body and a whole message are accepted.
 */
export const validatePlaybackMessage: (input: unknown) => Result<PlaybackMessage> =
  messageValidator(playbackBodyValidators);
