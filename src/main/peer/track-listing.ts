/** The room's tracks as listed to users (REPL `list`, `/api/tracks`, the UI), numbered for `play <index>`. */
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { CatalogTrack } from '../swarm/catalog-sync';
import type { Running } from './running';

/** Each room track under the listing's names, with who holds it and its loudness. */
export function trackListing(running: Running, roomTracks: readonly CatalogTrack[]): RoomTrack[] {
  const self = running.node.peerId;
  const loudness = running.loudnessStore.all();
  // A room track is the library's TrackInfo under the listing's names, with who holds it.
  return roomTracks.map(({ id, chunkCount: _chunkCount, holders, local, ...info }, index) => ({
    index,
    trackId: id,
    ...info,
    holders: local ? [self, ...holders] : holders,
    local: local || running.fetcher.isComplete(id),
    loudness: loudness.get(id) ?? null,
  }));
}
