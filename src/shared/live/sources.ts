/**
 * Live sources as the room knows them. A source is one peer's live PCM stream (a FIFO, a program's
 * output such as shairport-sync or librespot); its peer announces its sources on the control topic
 * (`live:sources`, on every change and now and then) so that every member can list and play them.
 */
import type { Validator } from '../validate';
import { arrayOf, obj, oneOf, optional, isTypeOf } from '../validate';
import { err, ok } from '../result';
import { shownText } from '../text/shown-text';
import { isSourceId } from './frames';

/** What the playback state names when a live source plays. */
export interface LiveSourceRef {
  sourceId: string;
  name: string;
  /** The source peer: the one that reads the PCM and streams it to the room. */
  peerId: string;
}

/** `capture`: sound captured in a window of the source peer (a microphone, line-in, system audio). */
export type LiveSourceKind = 'pipe' | 'command' | 'http' | 'capture';
export const liveSourceKinds: readonly LiveSourceKind[] = ['pipe', 'command', 'http', 'capture'];

/**
 * `starting` before its first PCM; `running` while PCM flows; `stalled` after 2 s without PCM;
 * `failed` when it cannot run (the error says why; a command is restarted with backoff).
 */
export type LiveSourceState = 'starting' | 'running' | 'stalled' | 'failed';
export const liveSourceStates: readonly LiveSourceState[] = ['starting', 'running', 'stalled', 'failed'];

/** One source as a peer announces it. */
export interface LiveSourceAnnounce {
  sourceId: string;
  name: string;
  kind: LiveSourceKind;
  state: LiveSourceState;
  error: string | null;
  /** What plays now, where the source says (a radio's ICY StreamTitle, AirPlay's or Spotify's title). */
  title?: string;
  /** Its artist, where the source says (AirPlay, Spotify). */
  artist?: string;
  /** Its cover's id (a hash of the image), where the source gives one: `GET /media/live-cover/<sourceId>` on any peer. */
  coverId?: string;
}

/** One source as `GET /api/sources` and the REPL list it. */
export interface LiveSourceInfo extends LiveSourceAnnounce, LiveSourceRef {
  /** The source peer's name, when known. */
  peerName: string | null;
  /** Whether this peer is the source peer. */
  local: boolean;
  /** What `--source` or the settings gave (local sources only). */
  uri?: string;
  /** Frames the source peer has read since it started (local sources only). */
  frames?: number;
  /** Listeners now: members' streams and this device's windows (local sources only). */
  listeners?: number;
  /** Times its program was restarted (local command sources only). */
  restarts?: number;
  /** Times its stream was placed anew after the source peer or the writer fell behind (local sources only). */
  reanchors?: number;
  /** Frames read too late to reach the room in time, and dropped (local sources only). */
  droppedFrames?: number;
  /** How its frames go to the room (local sources only). */
  codec?: 'opus' | 'flac' | 'pcm';
  /** Listeners cut off for falling more than 3 s of frames behind (local sources only). */
  slowListeners?: number;
}

/** `GET /api/sources`: the room's sources, and group time when the list was made (for scripts and tests). */
export interface LiveSourceList {
  groupNowMs: number;
  sources: LiveSourceInfo[];
  /** Why the live source last stopped on its own (its peer left, it ended), or null. */
  lastStop: { sourceId: string; name: string; reason: string; atMs: number } | null;
}

export const MAX_SOURCES_PER_PEER = 16;

/** A source id (see `isSourceId`). */
export const sourceIdValidator: Validator<string> = (input, path) =>
  isSourceId(input) ? ok(input) : err(`${path ?? 'sourceId'}: expected a source id`);

/** A cover id: the first 16 hex digits of the image's SHA-256. */
export const coverIdValidator: Validator<string> = (input, path) =>
  typeof input === 'string' && /^[0-9a-f]{16}$/.test(input)
    ? ok(input)
    : err(`${path ?? 'coverId'}: expected a cover id`);

const announceValidator = obj({
  sourceId: sourceIdValidator,
  name: shownText(64, 1),
  kind: oneOf(...liveSourceKinds),
  state: oneOf(...liveSourceStates),
  error: (input: unknown, path?: string) => (input === null ? ok(null) : shownText(512)(input, path)),
  title: optional(shownText(256, 1)),
  artist: optional(shownText(256, 1)),
  coverId: optional(coverIdValidator),
}) as Validator<LiveSourceAnnounce>;

/** A source named in a playback state or command. */
export const liveSourceRefValidator = obj({
  sourceId: sourceIdValidator,
  name: shownText(64, 1),
  peerId: (input: unknown, path?: string) =>
    typeof input === 'string' && /^[A-Za-z0-9]{1,128}$/.test(input)
      ? ok(input)
      : err(`${path ?? 'peerId'}: expected a peer id`),
}) as Validator<LiveSourceRef>;

/** Body of each live message type. */
export interface LiveBodies {
  'live:sources': { sources: LiveSourceAnnounce[] };
}

export type LiveMessageType = keyof LiveBodies;
export type LiveMessage = { [T in LiveMessageType]: { type: T } & LiveBodies[T] }[LiveMessageType];

/** Field validators of each body, in the shape the control codec's `bodyValidators` takes. */
export const liveBodyValidators: {
  [T in LiveMessageType]: { [K in keyof LiveBodies[T]]-?: Validator<LiveBodies[T][K]> };
} = {
  'live:sources': { sources: arrayOf(announceValidator, MAX_SOURCES_PER_PEER) },
};

/** Whether `type` names a live message type. */
export const isLiveMessageType: (type: unknown) => type is LiveMessageType = isTypeOf(liveBodyValidators);
