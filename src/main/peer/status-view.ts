/** `/api/status` as one object: what every service of a running peer says about itself. */
import type { DeviceSettings } from '../../shared/bridge/payloads';
import type { DeviceOutputInfo } from '../../shared/devices/output';
import type { LiveSourceList } from '../../shared/live/sources';
import type {
  MemberInfo,
  PeerStatus,
  PlaybackSummary,
  SpeakerReport,
  StorageInfo,
} from '../../shared/status';
import type { PeerOptions } from '../cli/args';
import type { StreamGuardStats } from '../net/stream-guard';
import { DEFAULT_ROOM_PASSPHRASE } from '../settings-guard';
import type { CatalogTrack } from '../swarm/catalog-sync';
import type { DownloadEntry } from './downloads';
import type { Running } from './running';
import type { SyncReport } from './speaker-output';

/** What the status is made of, besides the running services. */
export interface StatusParts {
  settings: DeviceSettings;
  options: PeerOptions;
  musicFolders: { folders: string[]; isDefault: boolean };
  playback: PlaybackSummary;
  streams: StreamGuardStats;
  suppressedLines: number;
  storage: StorageInfo | null;
  sync: SyncReport | null;
  output: SpeakerReport | null;
  downloads: Record<string, DownloadEntry>;
  localTracks: number;
  scan: { done: number; total: number; currentPath: string; running: boolean };
  devices: DeviceOutputInfo[];
  log: string[];
}

/** Counts of dropped input by group, flattened to `group.reason` (only those above zero). */
export function prefixed(groups: Record<string, Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [group, counts] of Object.entries(groups)) {
    for (const [reason, n] of Object.entries(counts)) if (n > 0) out[`${group}.${reason}`] = n;
  }
  return out;
}

/** The playback summary with the current track's title, or why the last live source stopped. */
export function playbackView(
  summary: PlaybackSummary,
  liveStop: LiveSourceList['lastStop'],
  roomTrack: (trackId: string) => CatalogTrack | null,
): PlaybackSummary {
  if (summary.state === 'stopped' && liveStop)
    return { ...summary, liveStopReason: `${liveStop.name}: ${liveStop.reason}` };
  const track = summary.trackId ? roomTrack(summary.trackId) : null;
  return track ? { ...summary, title: track.title, artist: track.artist } : summary;
}

/** Everything `/api/status`, the REPL and the UI show. */
export function peerStatus(running: Running, parts: StatusParts): PeerStatus {
  const { node, room, clock, control, library } = running;
  const { settings, options, musicFolders: music } = parts;
  const now = performance.now();
  const members: MemberInfo[] = room.members().map((m) => ({
    peerId: m.peerId,
    name: m.name,
    priority: m.priority,
    role: m.role,
    addrs: m.addrs,
    lastSeenMs: Math.max(0, now - m.lastSeenAtMs),
    rttMs: m.rttMs,
    clock: m.clock,
    speaker: m.speaker,
    output: m.output,
    download: m.download,
  }));
  const clockStatus = clock.estimate();
  return {
    self: {
      peerId: node.peerId,
      name: settings.name,
      priority: settings.priority,
      addrs: node.listenAddrs(),
    },
    leader: room.leader(),
    members,
    clock:
      clockStatus && clockStatus.role === 'follower'
        ? {
            offsetMs: clockStatus.offsetMs,
            driftPpm: clockStatus.driftPpm,
            rttMs: clockStatus.rttMs,
            errorMs: clockStatus.errorMs,
          }
        : null,
    playback: parts.playback,
    dropped: prefixed({
      playback: running.playback.counts().dropped,
      catalog: running.catalog.stats().dropped as unknown as Record<string, number>,
      chunks: running.chunkServer.stats().dropped as unknown as Record<string, number>,
      fetch: running.fetcher.stats().dropped,
      covers: running.covers.stats().dropped,
      control: control.counts().dropped,
      room: room.dropped(),
      clock: clock.stats().dropped,
      net: node.droppedInput() as unknown as Record<string, number>,
      streams: parts.streams as unknown as Record<string, number>,
      live: running.live.stats().dropped,
      log: { suppressedLines: parts.suppressedLines },
    }),
    storage: parts.storage,
    config: {
      role: room.role(),
      epoch: room.epoch(),
      libraries: options.libraries,
      // The user's music folder, shared because no folder was chosen (null when folders were chosen or none exists).
      defaultMusicFolder: music.isDefault ? (music.folders[0] ?? null) : null,
      dataDir: options.dataDir,
      port: options.port,
      bootstrap: node.bootstrapStatus(),
      room: settings.roomPassphrase === DEFAULT_ROOM_PASSPHRASE ? 'default' : 'custom',
      mdns: options.mdns,
      clockOffsetMs: options.clockOffsetMs,
      clockSkewPpm: options.clockSkewPpm,
      connectedPeers: node.connectedPeers(),
    },
    sync: parts.sync,
    output: parts.output,
    downloads: parts.downloads,
    library: { tracks: parts.localTracks, skipped: library.scanner.skipped().length, scan: parts.scan },
    devices: parts.devices,
    log: parts.log,
  };
}
