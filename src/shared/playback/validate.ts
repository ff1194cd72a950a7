/** Validators for playback commands and states received from peers (untrusted input). */
import type { Validator } from '../validate';
import { arrayOf, bool, int, nullable, num, obj, oneOf, optional, refine } from '../validate';
import { err, ok } from '../result';
import { liveSourceRefValidator } from '../live/sources';
import {
  crossfadeSecValidator,
  loudnessChangeFields,
  loudnessSettingValidator,
  roomSoundLimits,
  someLoudnessField,
} from './room-sound';
import {
  playbackLimits,
  repeatModes,
  type PlaybackCommand,
  type PlaybackCommandKind,
  type PlaybackState,
} from './state';

// Track ids and request ids share one token alphabet.
const TRACK_ID = /^[A-Za-z0-9_-]+$/;
const PEER_ID = /^[A-Za-z0-9]+$/;

/** A track id: a content id (64 hex digits) or another short token of letters, digits, `_` and `-`. */
export const trackIdValidator: Validator<string> = (input, path) =>
  typeof input === 'string' &&
  input.length >= 1 &&
  input.length <= playbackLimits.maxTrackIdChars &&
  TRACK_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'trackId'}: expected a track id`);

/** A peer id string (base58btc, base32 and base36 forms are all alphanumeric). */
export const peerIdValidator: Validator<string> = (input, path) =>
  typeof input === 'string' && input.length >= 1 && input.length <= 128 && PEER_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'peerId'}: expected a peer id`);

const counter = int(0, Number.MAX_SAFE_INTEGER);
const index = int(0, playbackLimits.maxQueueLength - 1);
// The library listing may be longer than a queue; `play {index}` picks from the listing.
const libraryIndex = int(0, 1_000_000);
const position = num(0, playbackLimits.maxPositionSec);
const trackIds = arrayOf(trackIdValidator, playbackLimits.maxQueueLength);
const GROUP_TIME_LIMIT_MS = 1e15;

const commandShapes: { [K in PlaybackCommandKind]: Validator<unknown> } = {
  play: obj({ kind: oneOf('play'), index: optional(libraryIndex), trackId: optional(trackIdValidator) }),
  pause: obj({ kind: oneOf('pause') }),
  resume: obj({ kind: oneOf('resume') }),
  stop: obj({ kind: oneOf('stop') }),
  next: obj({ kind: oneOf('next') }),
  prev: obj({ kind: oneOf('prev') }),
  seek: obj({ kind: oneOf('seek'), positionSec: position }),
  enqueue: obj({ kind: oneOf('enqueue'), trackIds }),
  remove: obj({ kind: oneOf('remove'), index }),
  move: obj({ kind: oneOf('move'), from: index, to: index }),
  replace: obj({ kind: oneOf('replace'), trackIds, playIndex: optional(index) }),
  clear: obj({ kind: oneOf('clear') }),
  shuffle: obj({ kind: oneOf('shuffle'), on: bool }),
  repeat: obj({ kind: oneOf('repeat'), mode: oneOf(...repeatModes) }),
  crossfade: obj({ kind: oneOf('crossfade'), sec: crossfadeSecValidator }),
  loudness: refine(obj({ kind: oneOf('loudness'), ...loudnessChangeFields }), someLoudnessField),
  'play-source': obj({ kind: oneOf('play-source'), source: liveSourceRefValidator }),
};

const commandKind = oneOf(...(Object.keys(commandShapes) as PlaybackCommandKind[]));

/** A playback command, checked field by field; `play` needs exactly one of index or trackId. */
export const commandValidator: Validator<PlaybackCommand> = (input, path) => {
  const where = path ?? 'command';
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return err(`${where}: expected an object`);
  const kind = commandKind((input as Record<string, unknown>).kind, `${where}.kind`);
  if (!kind.ok) return kind;
  const checked = commandShapes[kind.value](input, where);
  if (!checked.ok) return checked;
  const command = checked.value as PlaybackCommand;
  if (command.kind === 'play' && (command.index === undefined) === (command.trackId === undefined)) {
    return err(`${where}: play needs exactly one of index or trackId`);
  }
  return ok(command);
};

const anchorShape = obj({
  groupTimeMs: num(-GROUP_TIME_LIMIT_MS, GROUP_TIME_LIMIT_MS),
  positionSec: position,
});

/**
 * Fields a newer build adds to the state (as `next` was) are dropped, not refused: a room of mixed
 * builds must keep following its leader. Every field known here is still checked.
 */
const FORWARD_COMPATIBLE = { unknownFields: 'drop' } as const;

const stateShape = obj(
  {
    version: counter,
    epoch: counter,
    queue: trackIds,
    currentIndex: nullable(index),
    anchor: anchorShape,
    paused: bool,
    pausedAtSec: nullable(position),
    starting: bool,
    // Empty only in the initial state, before any leader stamped it.
    updatedBy: (input, p) => (input === '' ? ok('') : peerIdValidator(input, p)),
    // Optional on the wire: a leader on a build from before shuffle and repeat sends neither.
    repeat: optional(oneOf(...repeatModes)),
    unshuffled: optional(nullable(arrayOf(index, playbackLimits.maxQueueLength))),
    // Optional: absent means the defaults (room-sound.ts), as from a build before them.
    crossfadeSec: optional(crossfadeSecValidator),
    loudness: optional(loudnessSettingValidator),
    // Optional on the wire: absent unless a live source plays.
    source: optional(nullable(liveSourceRefValidator)),
    // Optional on the wire: absent unless the leader placed the next track (next.ts).
    next: optional(
      obj(
        {
          index,
          trackId: trackIdValidator,
          anchor: anchorShape,
          overlapSec: num(0, roomSoundLimits.maxCrossfadeSec),
        },
        FORWARD_COMPATIBLE,
      ),
    ),
  },
  FORWARD_COMPATIBLE,
);

/** Whether `order` holds each of 0..length-1 exactly once. */
function isPermutation(order: readonly number[], length: number): boolean {
  if (order.length !== length) return false;
  const seen = new Uint8Array(length);
  for (const i of order) {
    if (i >= length || seen[i]) return false;
    seen[i] = 1;
  }
  return true;
}

/** A whole playback state, including the invariants between its fields. */
export const stateValidator: Validator<PlaybackState> = (input, path) => {
  const where = path ?? 'state';
  const checked = stateShape(input, where);
  if (!checked.ok) return checked;
  const s = { repeat: 'off', unshuffled: null, ...checked.value } as PlaybackState;
  if (s.currentIndex !== null && s.currentIndex >= s.queue.length)
    return err(`${where}: currentIndex beyond the queue`);
  if (s.paused !== (s.pausedAtSec !== null))
    return err(`${where}: pausedAtSec must be set exactly when paused`);
  if (s.source && s.currentIndex !== null)
    return err(`${where}: a live source and a track cannot both be current`);
  if (s.currentIndex === null && !s.source && (s.paused || s.starting))
    return err(`${where}: a stopped state cannot be paused or starting`);
  if (s.paused && s.starting) return err(`${where}: a paused state cannot be starting`);
  if (s.next && s.queue[s.next.index] !== s.next.trackId)
    return err(`${where}: next must name the track at its queue index`);
  if (s.next && (s.currentIndex === null || s.paused))
    return err(`${where}: only a playing track has a next one placed`);
  if (s.unshuffled !== null && !isPermutation(s.unshuffled, s.queue.length))
    return err(`${where}: unshuffled must list each queue index once`);
  return ok(s);
};

/** A request id chosen by the requesting peer: a short token of letters, digits, `_` and `-`. */
export const requestIdValidator: Validator<string> = (input, path) =>
  typeof input === 'string' && input.length >= 1 && input.length <= 64 && TRACK_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'requestId'}: expected a request id`);
