/**
 * The playback coordinator of a started peer, over its room and clock: which members a start waits
 * for (devices where a window plays), what it knows of a track (this library, else the room's
 * listing), and what a new state sets off here (the bridge event, prefetching, the status). Kept
 * apart from the rest of the wiring because it is the one service most of the others answer to.
 */
import { crossfadeSecAt } from '../../shared/playback/crossfade';
import { isPlaybackMessageType, type PlaybackMessage } from '../../shared/playback/messages';
import { playbackStatus } from '../../shared/playback/state';
import type { ClockSync } from '../clock/clock-sync';
import type { LibraryServices } from '../library';
import type { LiveService } from '../live/live-service';
import type { PeerNode } from '../net/node';
import { PlaybackCoordinator } from '../playback/coordinator';
import type { RoomService } from '../room/room-service';
import { roomSubscriber } from './room-messages';
import type { WiringParts } from './wire';

/** The services the coordinator is made over. */
export interface PlaybackParts {
  node: PeerNode;
  library: LibraryServices;
  room: RoomService;
  clock: ClockSync;
  live: LiveService;
  publish(message: PlaybackMessage): void | Promise<unknown>;
}

/** Makes the playback coordinator and wires what its state changes set off. */
export function wirePlayback(
  peer: WiringParts,
  { node, library, room, clock, live, publish }: PlaybackParts,
): PlaybackCoordinator {
  const roomTrack = (id: string) => peer.roomTrack(id);
  const playback = new PlaybackCoordinator({
    selfId: node.peerId,
    publish,
    subscribe: roomSubscriber(room, isPlaybackMessageType),
    isLeader: () => room.isLeader(),
    leaderId: () => room.leader()?.peerId ?? null,
    epoch: () => room.leader()?.epoch ?? room.epoch(),
    groupNow: () => clock.groupNow(),
    // A start waits only for devices where a window plays (a peer with no window never reports ready).
    members: () => [
      ...(peer.speaker.playing ? [node.peerId] : []),
      ...room
        .members()
        .filter((m) => m.speaker)
        .map((m) => m.peerId),
    ],
    trackExists: (id) => library.library.get(id) !== null || roomTrack(id) !== null,
    trackDurationSec: (id) => library.library.get(id)?.durationSec ?? roomTrack(id)?.durationSec ?? null,
    crossfadeSec: (state) => crossfadeSecAt(state, { get: (id) => library.library.get(id) ?? roomTrack(id) }),
    libraryOrder: () => peer.tracks().map((t) => t.trackId),
    sourceAvailable: (source) => live.available(source),
    logger: peer.loggers,
  });
  playback.on('playback:changed', (state) => {
    // Why the last source stopped shows until something plays again.
    if (playbackStatus(state) === 'playing') peer.liveWatch.clear();
    peer.events.emit('playback:changed', state);
    peer.downloads.prefetch(state);
    peer.changes.statusChanged();
  });
  return playback;
}
