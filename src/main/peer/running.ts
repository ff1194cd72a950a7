/**
 * The services of a started peer, made by the composition root (`../peer.ts`) and dropped on stop,
 * and the order they start and stop in.
 */
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

/** Starts the wired services in dependency order, the library (and its first scan) last. */
export async function startRunning(running: Running): Promise<void> {
  await running.chunkServer.start();
  await running.live.start();
  running.fetcher.start();
  await running.catalog.start();
  running.playback.start();
  await running.room.start();
  running.devices.start();
  running.playlists.start();
  running.loudness.start();
  await running.library.start();
}

/** Stops every service of a running peer and the data folder's health watch, the network and the library last. */
export async function stopRunning(running: Running, storage: { stop(): void } | null): Promise<void> {
  clearInterval(running.statusTimer);
  running.stopLinks();
  running.playback.stop();
  running.fetcher.stop();
  storage?.stop();
  running.covers.stop();
  running.devices.stop();
  running.playlists.stop();
  await running.loudness.stop();
  await running.catalog.stop();
  await running.chunkServer.stop();
  await running.live.stop();
  await running.room.stop();
  // Give the leave message a moment on the wire, so the room need not wait for a timeout.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await running.clock.stop();
  running.control.stop();
  await running.node.stop();
  await running.library.stop();
}
