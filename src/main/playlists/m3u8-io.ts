/** M3U8 import and export of the room's playlists, on this peer (see shared/playlists/m3u8.ts). */
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { Playlist } from '../../shared/playlists/playlist';
import { formatM3u8, m3u8FileName, matchM3u8, parseM3u8, type M3uMatch } from '../../shared/playlists/m3u8';
import type { LibraryDb } from '../library/db';
import { InvalidSettingError } from '../settings-guard';
import type { Playlists } from './playlists';

export interface M3u8Deps {
  playlists: Playlists;
  db: LibraryDb;
  /** The room's tracks, as listed. */
  tracks(): RoomTrack[];
}

export interface M3u8ImportResult {
  playlist: Playlist;
  matched: number;
  unmatched: M3uMatch['unmatched'];
}

/** Makes a new playlist of the entries that match the room's tracks; refuses a file where none does. */
export function importM3u8(deps: M3u8Deps, request: { name: string; m3u8: string }): M3u8ImportResult {
  const parsed = parseM3u8(request.m3u8);
  if (!parsed.ok) throw new InvalidSettingError(parsed.error);
  const paths = new Map<string, string[]>();
  for (const [path, file] of deps.db.fileStates()) {
    const list = paths.get(file.trackId) ?? [];
    list.push(path);
    paths.set(file.trackId, list);
  }
  const candidates = deps.tracks().map((t) => ({
    trackId: t.trackId,
    title: t.title,
    artist: t.artist,
    paths: paths.get(t.trackId) ?? [],
  }));
  const match = matchM3u8(parsed.value, candidates);
  if (match.trackIds.length === 0)
    throw new InvalidSettingError(
      parsed.value.length === 0
        ? 'the file lists no tracks'
        : `none of its ${parsed.value.length} entries matches a track in the room`,
    );
  const playlist = deps.playlists.save({ name: request.name, trackIds: match.trackIds });
  return { playlist, matched: match.trackIds.length, unmatched: match.unmatched };
}

/**
 * A playlist as M3U8: each track's file on this device where it has one, else its media URL on
 * this peer (`mediaBaseUrl` + /media/track/<id>; without a base, the path alone).
 */
export function exportM3u8(
  deps: M3u8Deps,
  request: { playlistId: string; mediaBaseUrl?: string },
): { name: string; fileName: string; m3u8: string } {
  const playlist = deps.playlists.get(request.playlistId);
  const listed = new Map(deps.tracks().map((t) => [t.trackId, t]));
  const base = (request.mediaBaseUrl ?? '').replace(/\/+$/, '');
  const out = playlist.trackIds.map((id) => {
    // A track nobody online holds now is still described by the index, if it ever saw it.
    const info = listed.get(id) ?? deps.db.getTrack(id);
    const file = deps.db.filesOfTrack(id).find((p) => !/[\r\n]/.test(p));
    return {
      durationSec: info?.durationSec ?? 0,
      artist: info?.artist ?? '',
      title: info?.title ?? `Track ${id.slice(0, 12)}`,
      location: file ?? `${base}/media/track/${id}`,
    };
  });
  return { name: playlist.name, fileName: m3u8FileName(playlist.name), m3u8: formatM3u8(playlist.name, out) };
}
