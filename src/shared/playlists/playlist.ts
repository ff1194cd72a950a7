/**
 * Playlists, shared in the room like catalogs: every peer keeps every playlist it has heard of
 * (in its library database) and announces the ones it holds when one changes and when a member
 * joins, one `playlist:put` message per playlist. Concurrent edits resolve last-writer-wins by
 * (updatedMs, editor peer id); a deleted playlist stays as a tombstone so it does not come back
 * from a peer that missed the deletion.
 */
import type { Validator } from '../validate';
import { arrayOf, bool, int, obj, str, isTypeOf } from '../validate';
import { err, ok } from '../result';

export interface Playlist {
  id: string;
  name: string;
  /** Track ids in play order (a track may appear more than once). */
  trackIds: string[];
  /** Peer that made the latest change. */
  editedBy: string;
  /** When the latest change was made (the editor's wall clock, ms). */
  updatedMs: number;
  deleted: boolean;
}

export const playlistLimits = {
  /** One playlist travels in one control message (64 KiB): 500 ids of 64 characters is ~34 KB. */
  maxTracks: 500,
  maxNameChars: 100,
} as const;

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
const PEER_ID = /^[A-Za-z0-9]{1,128}$/;
const token =
  (what: string): Validator<string> =>
  (input, path) =>
    typeof input === 'string' && TOKEN.test(input) ? ok(input) : err(`${path ?? what}: expected a ${what}`);

export const playlistIdValidator = token('playlist id');
const trackId = token('track id');

/** A playlist name: 1–100 characters, not blank, no control characters. */
export const playlistNameValidator: Validator<string> = (input, path) => {
  const r = str(playlistLimits.maxNameChars, 1)(input, path);
  if (!r.ok) return r;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(r.value) || r.value.trim() === '')
    return err(`${path ?? 'name'}: must be visible text`);
  return r;
};

export const playlistTrackIdsValidator = arrayOf(trackId, playlistLimits.maxTracks);

export const playlistValidator = obj({
  id: playlistIdValidator,
  name: playlistNameValidator,
  trackIds: playlistTrackIdsValidator,
  editedBy: (input, path) =>
    typeof input === 'string' && PEER_ID.test(input)
      ? ok(input)
      : err(`${path ?? 'editedBy'}: expected a peer id`),
  updatedMs: int(0, Number.MAX_SAFE_INTEGER),
  deleted: bool,
}) as Validator<Playlist>;

/** Whether `a` is a later edit than `b` (last writer wins; the peer id breaks a tie). */
export function isLaterEdit(a: Playlist, b: Playlist): boolean {
  return a.updatedMs > b.updatedMs || (a.updatedMs === b.updatedMs && a.editedBy > b.editedBy);
}

/** Body of each playlist message type. */
export interface PlaylistBodies {
  'playlist:put': { playlist: Playlist };
}
export type PlaylistMessage = { type: 'playlist:put' } & PlaylistBodies['playlist:put'];

/** Field validators, in the shape the control codec's `bodyValidators` takes. */
export const playlistBodyValidators: {
  [T in keyof PlaylistBodies]: { [K in keyof PlaylistBodies[T]]-?: Validator<PlaylistBodies[T][K]> };
} = { 'playlist:put': { playlist: playlistValidator } };

/** Whether `type` names a playlist message type. */
export const isPlaylistMessageType: (type: unknown) => type is keyof PlaylistBodies & string =
  isTypeOf(playlistBodyValidators);
