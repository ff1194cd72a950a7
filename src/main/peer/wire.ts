/**
 * The services of a started peer, made over its node and library and wired to each other (see ../peer.ts);
 * the playback coordinator's part is `wire-playback.ts`.
 */
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { DeviceSettings } from '../../shared/bridge/payloads';
import { isCalibrationMessageType, type SignalPlan } from '../../shared/calibration/messages';
import { isDeviceMessageType } from '../../shared/devices/output';
import { isLoudnessMessageType } from '../../shared/library/loudness-message';
import { isLiveMessageType } from '../../shared/live/sources';
import type { ComponentLogger } from '../../shared/logger';
import { isPlaylistMessageType } from '../../shared/playlists/playlist';
import { decodeControl, encodeControl, type ControlDraft, type ControlMessage } from '../../shared/protocol';
import { isSwarmMessageType } from '../../shared/swarm/messages';
import type { TypedEventTarget } from '../../shared/events';
import { CalibrationService, type RoomSpeaker } from '../calibration/calibration-service';
import type { PeerOptions } from '../cli/args';
import { ClockSync } from '../clock/clock-sync';
import type { SkewedTimeSource } from '../clock/time-source';
import { DeviceOutputs } from '../devices/device-outputs';
import type { LibraryServices } from '../library';
import { LoudnessPass } from '../library/loudness-pass';
import { LoudnessSharing } from '../library/loudness-sharing';
import { LoudnessStore } from '../library/loudness-store';
import type { StorageHealth } from '../library/storage-health';
import { LiveService } from '../live/live-service';
import { ControlChannel } from '../net/control-channel';
import type { PeerNode } from '../net/node';
import type { Room } from '../net/room';
import type { StreamGuard } from '../net/stream-guard';
import { Playlists } from '../playlists/playlists';
import { keepMemberLinks } from '../room/member-links';
import { RoomService } from '../room/room-service';
import type { SettingsStore } from '../settings';
import { CatalogSync, ChunkServer, swarmFetchers } from '../swarm';
import type { CatalogTrack } from '../swarm/catalog-sync';
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { ChangeSignals } from './change-signals';
import { outputOf } from './device-list';
import type { Downloads } from './downloads';
import type { LiveWatch } from './live-watch';
import { announceRoomChanges, type PeerNotices } from './notices';
import { roomPublisher, roomSubscriber } from './room-messages';
import { wirePlayback } from './wire-playback';
import type { Running } from './running';
import type { ScanProgress } from './scan-progress';
import type { SettingsService } from './settings-service';
import type { SpeakerOutput } from './speaker-output';

/** What the peer lends the services it wires: its long-lived parts, kept across restarts. */
export interface WiringParts {
  options: PeerOptions;
  tuning: { heartbeatMs?: number; leaderTimeoutMs?: number; memberTimeoutMs?: number };
  time: SkewedTimeSource;
  settings: SettingsStore;
  settingsService: SettingsService;
  events: TypedEventTarget<BridgeEvents>;
  notices: TypedEventTarget<PeerNotices>;
  loggers: ComponentLogger;
  streamGuard: StreamGuard;
  speaker: SpeakerOutput;
  liveWatch: LiveWatch;
  downloads: Downloads;
  changes: ChangeSignals;
  roomTracks(): CatalogTrack[];
  /** One of the room's tracks by id, or null. */
  roomTrack(trackId: string): CatalogTrack | null;
  tracks(): RoomTrack[];
  roomSpeakers(): RoomSpeaker[];
  /** The scan's progress for the status, kept across restarts. */
  scan: ScanProgress;
}

/** What start() made before the services: the node, its room, the library, the storage watch, the settings. */
export interface StartedParts {
  node: PeerNode;
  room: Room;
  library: LibraryServices;
  storage: StorageHealth;
  settings: DeviceSettings;
}

/** Makes every service over a started node and library, and wires their events together. */
export async function wireServices(
  peer: WiringParts,
  { node, room, library, storage, settings }: StartedParts,
): Promise<Running> {
  const { options } = peer;
  const statusChanged = () => peer.changes.statusChanged();
  const libraryChanged = () => peer.changes.libraryChanged();
  const control = new ControlChannel<ControlMessage>(
    {
      pubsub: node.pubsub,
      logger: peer.loggers,
    },
    {
      topic: room.controlTopic,
      decode: (bytes, from) => decodeControl(bytes, from),
      encode: encodeControl,
    },
  );
  control.start();
  const roomService = new RoomService(
    {
      control,
      ping: (peerId, { signal }) => node.ping(peerId, { signal }),
      logger: peer.loggers,
    },
    {
      self: {
        peerId: node.peerId,
        name: settings.name,
        priority: settings.priority,
        addrs: node.listenAddrs().slice(0, 8),
      },
      dataDir: options.dataDir,
      timings: {
        ...(peer.tuning.heartbeatMs ? { heartbeatMs: peer.tuning.heartbeatMs } : {}),
        ...(peer.tuning.leaderTimeoutMs ? { leaderTimeoutMs: peer.tuning.leaderTimeoutMs } : {}),
        ...(peer.tuning.memberTimeoutMs ? { memberTimeoutMs: peer.tuning.memberTimeoutMs } : {}),
      },
    },
  );
  const publish = roomPublisher(roomService);
  const clock = new ClockSync(
    { node: node.libp2p, timeSource: peer.time, logger: peer.loggers, guard: peer.streamGuard },
    { protocol: node.protocolId('clock') },
  );
  await clock.start();
  const catalog = new CatalogSync({
    node,
    db: library.db,
    scanner: library.scanner,
    publish: (body) => roomService.publish(body as Omit<ControlDraft, 'from' | 'epoch'>),
    subscribe: (listener) =>
      roomService.events.on('message:other', ({ value, from }) => {
        if (isSwarmMessageType(value.type)) listener(from, value);
      }),
    logger: peer.loggers,
    guard: peer.streamGuard,
  });
  const chunkServer = new ChunkServer({
    node,
    library: library.library,
    db: library.db,
    logger: peer.loggers,
    guard: peer.streamGuard,
  });
  const { fetcher, covers } = swarmFetchers({
    node,
    library,
    catalog,
    server: chunkServer,
    logger: peer.loggers,
    storage,
  });
  const live = new LiveService(
    {
      node,
      groupNow: () => clock.groupNow(),
      selfName: () => peer.settings.get().name,
      publish,
      subscribe: roomSubscriber(roomService, isLiveMessageType),
      memberName: (peerId) => roomService.members().find((m) => m.peerId === peerId)?.name ?? null,
      guard: peer.streamGuard,
      logger: peer.loggers,
    },
    { uris: [...options.sources, ...settings.liveSources], delayMs: settings.liveDelayMs },
  );
  live.onChange(() => {
    statusChanged();
    peer.liveWatch.check();
  });
  const playback = wirePlayback(peer, { node, library, room: roomService, clock, live, publish });
  catalog.on('catalog:changed', libraryChanged);
  peer.downloads.watch(fetcher, roomService, { status: statusChanged, library: libraryChanged });
  roomService.events.on('leader:changed', (leader) => {
    clock.setLeader(leader ? leader.peerId : null);
    playback.leaderChanged();
    // A new leader stops a live source whose device left while the old leader was going.
    if (leader?.peerId === node.peerId) setTimeout(() => peer.liveWatch.check(), 1000).unref();
    statusChanged();
  });
  const devices = new DeviceOutputs({
    selfId: node.peerId,
    publish,
    subscribe: roomSubscriber(roomService, isDeviceMessageType),
    output: () => outputOf(peer.settings.get()),
    apply: async (patch) => outputOf(await peer.settingsService.apply(patch)),
    logger: peer.loggers,
  });
  devices.events.on('outputs:changed', statusChanged);
  const calibration = new CalibrationService({
    selfId: node.peerId,
    events: peer.events,
    publish: (plan: SignalPlan) =>
      roomService.publish({ type: 'calibration:signal', plan } as Omit<ControlDraft, 'from' | 'epoch'>),
    speakers: () => peer.roomSpeakers(),
    logger: peer.loggers,
  });
  roomService.events.on('message:other', ({ value, from }) => {
    if (isCalibrationMessageType(value.type)) calibration.receive(from, (value as { plan: SignalPlan }).plan);
  });
  const playlists = new Playlists({
    selfId: node.peerId,
    db: library.db.db,
    publish,
    subscribe: roomSubscriber(roomService, isPlaylistMessageType),
    logger: peer.loggers,
  });
  playlists.events.on('playlists:changed', () => peer.events.emit('playlists:changed', playlists.list()));
  // Like catalogs: a member that joins hears every playlist.
  roomService.events.on('member:joined', () => playlists.announceAll());
  const loudnessStore = new LoudnessStore(library.db.db);
  const loudness = new LoudnessSharing({
    store: loudnessStore,
    pass: new LoudnessPass({
      store: loudnessStore,
      filesOf: (trackId) => library.db.filesOfTrack(trackId),
      scanner: library.scanner,
      logger: peer.loggers,
    }),
    publish,
    subscribe: roomSubscriber(roomService, isLoudnessMessageType),
    changed: libraryChanged,
    logger: peer.loggers,
  });
  roomService.events.on('member:joined', () => loudness.announceAll());
  // A member that joins learns every device's output at once, not at the next periodic announcement.
  roomService.events.on('member:joined', () => devices.announce());
  roomService.events.on('member:left', ({ member }) => devices.forget(member.peerId));
  roomService.events.on('member:left', ({ member }) => {
    live.forget(member.peerId);
    const source = playback.state().source;
    if (source?.peerId === member.peerId) peer.liveWatch.stop(source, `${member.name} left the room`);
    else peer.liveWatch.check();
  });
  roomService.events.on('member:joined', () => live.announce());
  roomService.events.on('member:left', () => playback.membersChanged());
  roomService.events.on('member:joined', () => playback.membersChanged());
  announceRoomChanges(roomService, node.peerId, peer.notices);
  roomService.events.on('room:changed', statusChanged);
  clock.on('clock:updated', (detail) => {
    roomService.setClock(
      detail.role === 'follower' && Number.isFinite(detail.errorMs)
        ? {
            offsetMs: detail.offsetMs,
            driftPpm: detail.driftPpm,
            rttMs: detail.rttMs,
            errorMs: detail.errorMs,
          }
        : null,
    );
  });
  const statusTimer = setInterval(statusChanged, 1000);
  statusTimer.unref();
  library.scanner.on('track:added', libraryChanged);
  library.scanner.on('track:removed', libraryChanged);
  peer.scan.watch(library.scanner, { progressed: statusChanged, done: libraryChanged });
  roomService.setSpeaker(peer.speaker.playing);
  const stopLinks = keepMemberLinks(node, roomService);
  return {
    library,
    node,
    control,
    room: roomService,
    clock,
    playback,
    catalog,
    chunkServer,
    fetcher,
    covers,
    devices,
    calibration,
    playlists,
    loudnessStore,
    loudness,
    live,
    statusTimer,
    stopLinks,
  };
}
