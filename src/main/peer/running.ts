/** The services of a started peer, made by the composition root (`../peer.ts`) and dropped on stop. */
import type { ControlMessage } from '../../shared/protocol';
import type { CalibrationService } from '../calibration/calibration-service';
import type { ClockSync } from '../clock/clock-sync';
import type { DeviceOutputs } from '../devices/device-outputs';
import type { LibraryServices } from '../library';
import type { LoudnessSharing } from '../library/loudness-sharing';
import type { LoudnessStore } from '../library/loudness-store';
import type { LiveService } from '../live/live-service';
import type { ControlChannel } from '../net/control-channel';
import type { PeerNode } from '../net/node';
import type { PlaybackCoordinator } from '../playback/coordinator';
import type { Playlists } from '../playlists/playlists';
import type { RoomService } from '../room/room-service';
import type { CatalogSync, ChunkFetcher, ChunkServer, CoverFetcher } from '../swarm';

/** Every service of a running peer. */
export interface Running {
  library: LibraryServices;
  node: PeerNode;
  control: ControlChannel<ControlMessage>;
  room: RoomService;
  clock: ClockSync;
  playback: PlaybackCoordinator;
  catalog: CatalogSync;
  chunkServer: ChunkServer;
  fetcher: ChunkFetcher;
  covers: CoverFetcher;
  devices: DeviceOutputs;
  calibration: CalibrationService;
  playlists: Playlists;
  loudnessStore: LoudnessStore;
  loudness: LoudnessSharing;
  live: LiveService;
  statusTimer: NodeJS.Timeout;
  /** Stops dialling room members (see keepMemberLinks). */
  stopLinks: () => void;
}

/** A request for something this peer cannot do in its current state. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
}
