/** The composition root: one Peer = libp2p node + services, wired the same for the desktop app and the headless peer. */
import { mkdir } from 'node:fs/promises';
import type {
  BridgeEvents,
  BridgeHandlers,
  Caller,
  DeviceSettings,
  RoomTrack,
} from '../shared/bridge/contract';
import { isPlaybackMessageType, type PlaybackMessage } from '../shared/playback/messages';
import { crossfadeSecAt } from '../shared/playback/crossfade';
import { isSwarmMessageType } from '../shared/swarm/messages';
import {
  nextIndex,
  playbackStatus,
  type PlaybackCommand,
  type PlaybackState,
} from '../shared/playback/state';
import { decodeControl, encodeControl, type ControlDraft, type ControlMessage } from '../shared/protocol';
import type { MemberInfo, PeerStatus, PlaybackSummary, SpeakerReport } from '../shared/status';
import type { PeerOptions } from './cli/args';
import { TypedEvents } from './bridge/events';
import { ClockSync } from './clock/clock-sync';
import { StreamGuard } from './net/stream-guard';
import { LogLimiter } from './net/log-limiter';
import { StorageError, StorageHealth } from './library/storage-health';
import { createTimeSource, type SkewedTimeSource } from './clock/time-source';
import { openLibrary, type LibraryServices } from './library';
import { ControlChannel } from './net/control-channel';
import type { NetLogEntry } from './net/event-log';
import { PlaybackCoordinator } from './playback/coordinator';
import { CatalogSync, ChunkFetcher, ChunkServer, CoverFetcher } from './swarm';
import { STREAMING_PRIORITY } from './swarm/chunk-fetcher';
import { waitForRange } from './swarm/arriving-track';
import { DeviceOutputs } from './devices/device-outputs';
import { CalibrationService, type RoomSpeaker } from './calibration/calibration-service';
import { isCalibrationMessageType, type SignalPlan } from '../shared/calibration/messages';
import { Playlists } from './playlists/playlists';
import { exportM3u8, importM3u8 } from './playlists/m3u8-io';
import { LoudnessPass } from './library/loudness-pass';
import { LoudnessSharing } from './library/loudness-sharing';
import { LoudnessStore } from './library/loudness-store';
import { isLoudnessMessageType, type LoudnessMessage } from '../shared/library/loudness-message';
import { isPlaylistMessageType, type PlaylistMessage } from '../shared/playlists/playlist';
import {
  groupVolume,
  isDeviceMessageType,
  scaleToGroup,
  type DeviceMessage,
  type DeviceOutput,
  type DeviceOutputInfo,
} from '../shared/devices/output';
import { createPeerNode, type PeerNode } from './net/node';
import { LiveService } from './live/live-service';
import { asPcmFrames } from './live/pcm-transcode';
import { LiveSourceError } from './live/uri';
import { isLiveMessageType, type LiveMessage, type LiveSourceList } from '../shared/live/sources';
import { deriveRoom } from './net/room';
import { keepMemberLinks } from './room/member-links';
import { RoomService } from './room/room-service';
import { lockDataFolder } from './data-lock';
import { defaultMusicFolder } from './music-folder';
import { SettingsStore } from './settings';
import { bytesBody, type MediaBody } from './http/range';
import { ApiTokens } from './http/api-tokens';
import { Pairing } from './http/pairing';
import {
  checkMusicFolder,
  ConfirmationRequiredError,
  InvalidSettingError,
  DEFAULT_ROOM_PASSPHRASE,
  PendingConfirmations,
  settingsView,
  splitSensitive,
} from './settings-guard';

export interface PeerIdentity {
  peerId: string;
  name: string;
  addrs: string[];
}

/** Things worth telling the user about (the desktop shell turns them into notifications). */
export interface PeerNotices {
  notice: { kind: 'leader' | 'joined' | 'left'; title: string; body: string };
}

/** Timings a test or benchmark may shorten; defaults suit a LAN room. */
export interface PeerTuning {
  heartbeatMs?: number;
  leaderTimeoutMs?: number;
  memberTimeoutMs?: number;
}

interface Running {
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

const LOG_LINES = 100;
/** A window reports its sync every second or so while it plays; an older figure says nothing about now. */
const SYNC_REPORT_FRESH_MS = 5000;

/** A running Firefly peer. */
export class Peer {
  readonly events = new TypedEvents<BridgeEvents>();
  readonly notices = new TypedEvents<PeerNotices>();
  readonly handlers: BridgeHandlers;
  readonly settings: SettingsStore;
  readonly time: SkewedTimeSource;
  /** Pairing codes for browsers on other devices (the code goes only to this device's own windows). */
  readonly pairing = new Pairing((state) => this.events.emit('pairing:changed', state));
  readonly #confirmations = new PendingConfirmations((list) => this.events.emit('settings:pending', list));
  #tokens: ApiTokens | null = null;
  /** Benches peers that keep sending malformed input on any stream protocol (#24). */
  readonly #streamGuard = new StreamGuard();
  /** Keeps one repeating fault from pushing everything else out of the log (#24). */
  readonly #logLimiter = new LogLimiter();
  /** Whether the data folder takes writes; downloads pause while it does not (#24). */
  #storage: StorageHealth | null = null;
  #lock: { release(): Promise<void> } | null = null;
  #running: Running | null = null;
  #stopping: Promise<void> | null = null;
  readonly #log: string[] = [];
  #statusQueued = false;
  #scan: { done: number; total: number; currentPath: string; running: boolean } = {
    done: 0,
    total: 0,
    currentPath: '',
    running: false,
  };
  #libraryQueued = false;
  #syncReport: { errorMs: number; boundMs: number; atMs: number } | null = null;
  #speakerState: Pick<SpeakerReport, 'state' | 'detail'> | null = null;
  #speakers = 0;
  /** Why the last live source stopped on its own (#22). */
  #liveStop: LiveSourceList['lastStop'] = null;
  /** Fetches of tracks that windows read while they arrive (`media`), one per track. */
  readonly #arriving = new Map<string, Promise<Error | null>>();
  readonly #downloads = new Map<
    string,
    { haveChunks: number; totalChunks: number; bytes: number; done: boolean }
  >();

  constructor(
    readonly options: PeerOptions,
    private readonly tuning: PeerTuning = {},
  ) {
    this.settings = new SettingsStore(options.dataDir, {
      name: options.name,
      priority: options.priority,
      volume: 1,
      muted: false,
      outputOffsetMs: 0,
      channel: 'stereo',
      libraries: [],
      roomPassphrase: options.room,
      theme: 'system',
      notifications: true,
      closeToTray: true,
      liveSources: [],
      liveDelayMs: options.liveDelayMs,
    });
    this.time = createTimeSource({ offsetMs: options.clockOffsetMs, skewPpm: options.clockSkewPpm });
    this.handlers = this.#makeHandlers();
  }

  /** Starts every service; resolves once the peer is reachable. */
  async start(): Promise<PeerIdentity> {
    if (this.#running) return this.identity();
    const { options } = this;
    await mkdir(options.dataDir, { recursive: true });
    this.#lock ??= await lockDataFolder(options.dataDir);
    this.#tokens ??= await ApiTokens.open(options.dataDir);
    const settings = await this.settings.load(this.#flagOverrides());
    const room = await deriveRoom(settings.roomPassphrase);
    this.#storage?.stop();
    const storage = new StorageHealth({
      dir: options.dataDir,
      neededBytes: () => this.#running?.fetcher.neededBytes() ?? 0,
      log: (line) => this.#logLine(line),
    });
    this.#storage = storage;
    storage.start();
    storage.on('storage:changed', () => this.#statusChanged());
    const library = await openLibrary({
      dataDir: options.dataDir,
      folders: this.#libraryFolders(settings),
      log: (line) => this.#logLine(line),
      storage,
    });
    const node = await createPeerNode({
      room,
      dataDir: options.dataDir,
      port: options.port,
      listenHost: options.listenHost,
      bootstrap: options.bootstrap,
      announce: options.announce,
      mdns: options.mdns,
      logger: { info: (line) => this.#logLine(line), warn: (line) => this.#logLine(`warning: ${line}`) },
    });
    try {
      const control = new ControlChannel<ControlMessage>(
        {
          pubsub: node.pubsub,
          logger: { info: () => undefined, warn: (line) => this.#logLine(`control: ${line}`) },
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
          log: (line) => this.#logLine(line),
        },
        {
          self: {
            peerId: node.peerId,
            name: settings.name,
            priority: settings.priority,
            addrs: this.#shareableAddrs(node),
          },
          dataDir: options.dataDir,
          timings: {
            ...(this.tuning.heartbeatMs ? { heartbeatMs: this.tuning.heartbeatMs } : {}),
            ...(this.tuning.leaderTimeoutMs ? { leaderTimeoutMs: this.tuning.leaderTimeoutMs } : {}),
            ...(this.tuning.memberTimeoutMs ? { memberTimeoutMs: this.tuning.memberTimeoutMs } : {}),
          },
        },
      );
      const clock = new ClockSync(
        {
          node: node.libp2p,
          timeSource: this.time,
          log: (line) => this.#logLine(line),
          guard: this.#streamGuard,
        },
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
        log: (line) => this.#logLine(line),
        guard: this.#streamGuard,
      });
      const chunkServer = new ChunkServer({
        node,
        library: library.library,
        db: library.db,
        log: (line) => this.#logLine(line),
        guard: this.#streamGuard,
      });
      const fetcher = new ChunkFetcher({
        node,
        db: library.db,
        store: library.store,
        library: library.library,
        holders: (trackId) => catalog.holdersOf(trackId),
        announce: (chunkId) => chunkServer.announce(chunkId),
        log: (line) => this.#logLine(line),
        storage,
      });
      const covers = new CoverFetcher({
        node,
        db: library.db,
        holders: (trackId) => catalog.holdersOf(trackId),
        log: (line) => this.#logLine(line),
      });
      const live = new LiveService(
        {
          node,
          groupNow: () => clock.groupNow(),
          selfName: () => this.settings.get().name,
          publish: (message: LiveMessage) =>
            roomService.publish(message as Omit<ControlDraft, 'from' | 'epoch'>),
          subscribe: (listener, { signal }) => {
            const off = roomService.events.on('message:other', ({ value, from }) => {
              if (isLiveMessageType(value.type)) listener(from, value as LiveMessage);
            });
            signal.addEventListener('abort', off, { once: true });
          },
          memberName: (peerId) => roomService.members().find((m) => m.peerId === peerId)?.name ?? null,
          guard: this.#streamGuard,
          log: (line) => this.#logLine(line),
        },
        { uris: [...options.sources, ...settings.liveSources], delayMs: settings.liveDelayMs },
      );
      live.onChange(() => {
        this.#statusChanged();
        this.#checkLiveSource();
      });
      const roomTrack = (id: string) => this.#roomTracks().find((t) => t.id === id) ?? null;
      const playback = new PlaybackCoordinator({
        selfId: node.peerId,
        publish: (message: PlaybackMessage) =>
          roomService.publish(message as Omit<ControlDraft, 'from' | 'epoch'>),
        subscribe: (listener, { signal }) => {
          const off = roomService.events.on('message:other', ({ value, from }) => {
            if (isPlaybackMessageType(value.type)) listener(from, value);
          });
          signal.addEventListener('abort', off, { once: true });
        },
        isLeader: () => roomService.isLeader(),
        leaderId: () => roomService.leader()?.peerId ?? null,
        epoch: () => roomService.leader()?.epoch ?? roomService.epoch(),
        groupNow: () => clock.groupNow(),
        // A start waits only for devices where a window plays (a peer with no window never reports ready).
        members: () => [
          ...(this.#speakers > 0 ? [node.peerId] : []),
          ...roomService
            .members()
            .filter((m) => m.speaker)
            .map((m) => m.peerId),
        ],
        trackExists: (id) => library.library.get(id) !== null || roomTrack(id) !== null,
        trackDurationSec: (id) => library.library.get(id)?.durationSec ?? roomTrack(id)?.durationSec ?? null,
        crossfadeSec: (state) =>
          crossfadeSecAt(state, { get: (id) => library.library.get(id) ?? roomTrack(id) }),
        libraryOrder: () => this.tracks().map((t) => t.trackId),
        sourceAvailable: (source) => live.available(source),
        logger: {
          // The coordinator names itself in its lines.
          info: (line) => this.#logLine(line),
          warn: (line) => this.#logLine(line),
        },
      });
      playback.on('playback:changed', (state) => {
        // Why the last source stopped shows until something plays again.
        if (playbackStatus(state) === 'playing') this.#liveStop = null;
        this.events.emit('playback:changed', state);
        this.#prefetch(state);
        this.#statusChanged();
      });
      catalog.addEventListener('catalog:changed', () => this.#libraryChanged());
      fetcher.on('download:progress', (detail) => {
        this.#downloads.set(detail.trackId, {
          haveChunks: detail.haveChunks,
          totalChunks: detail.totalChunks,
          bytes: detail.bytes,
          done: false,
        });
        roomService.setDownload({
          trackId: detail.trackId,
          haveChunks: detail.haveChunks,
          totalChunks: detail.totalChunks,
        });
        this.#statusChanged();
      });
      fetcher.on('download:failed', () => roomService.setDownload(null));
      fetcher.on('download:done', (detail) => {
        const entry = this.#downloads.get(detail.trackId);
        if (entry)
          this.#downloads.set(detail.trackId, { ...entry, haveChunks: entry.totalChunks, done: true });
        roomService.setDownload(null);
        this.#libraryChanged();
      });
      roomService.events.on('leader:changed', (leader) => {
        clock.setLeader(leader ? leader.peerId : null);
        playback.leaderChanged();
        // A new leader stops a live source whose device left while the old leader was going.
        if (leader?.peerId === node.peerId) setTimeout(() => this.#checkLiveSource(), 1000).unref();
        this.#statusChanged();
      });
      const devices = new DeviceOutputs({
        selfId: node.peerId,
        publish: (message: DeviceMessage) =>
          roomService.publish(message as Omit<ControlDraft, 'from' | 'epoch'>),
        subscribe: (listener, { signal }) => {
          const off = roomService.events.on('message:other', ({ value, from }) => {
            if (isDeviceMessageType(value.type)) listener(from, value as DeviceMessage);
          });
          signal.addEventListener('abort', off, { once: true });
        },
        output: () => outputOf(this.settings.get()),
        apply: async (patch) => outputOf(await this.#applySettings(patch)),
        log: (line) => this.#logLine(line),
      });
      devices.events.on('outputs:changed', () => this.#statusChanged());
      const calibration = new CalibrationService({
        selfId: node.peerId,
        events: this.events,
        publish: (plan: SignalPlan) =>
          roomService.publish({ type: 'calibration:signal', plan } as Omit<ControlDraft, 'from' | 'epoch'>),
        speakers: () => this.#roomSpeakers(),
        log: (line) => this.#logLine(line),
      });
      roomService.events.on('message:other', ({ value, from }) => {
        if (isCalibrationMessageType(value.type))
          calibration.receive(from, (value as { plan: SignalPlan }).plan);
      });
      const playlists = new Playlists({
        selfId: node.peerId,
        db: library.db.db,
        publish: (message: PlaylistMessage) =>
          roomService.publish(message as Omit<ControlDraft, 'from' | 'epoch'>),
        subscribe: (listener, { signal }) => {
          const off = roomService.events.on('message:other', ({ value, from }) => {
            if (isPlaylistMessageType(value.type)) listener(from, value as PlaylistMessage);
          });
          signal.addEventListener('abort', off, { once: true });
        },
        log: (line) => this.#logLine(line),
      });
      playlists.events.on('playlists:changed', () => this.events.emit('playlists:changed', playlists.list()));
      // Like catalogs: a member that joins hears every playlist.
      roomService.events.on('member:joined', () => playlists.announceAll());
      const loudnessStore = new LoudnessStore(library.db.db);
      const loudness = new LoudnessSharing({
        store: loudnessStore,
        pass: new LoudnessPass({
          store: loudnessStore,
          filesOf: (trackId) => library.db.filesOfTrack(trackId),
          scanner: library.scanner,
          log: (line) => this.#logLine(line),
        }),
        publish: (message) => roomService.publish(message as Omit<ControlDraft, 'from' | 'epoch'>),
        subscribe: (listener, { signal }) => {
          const off = roomService.events.on('message:other', ({ value, from }) => {
            if (isLoudnessMessageType(value.type)) listener(from, value as LoudnessMessage);
          });
          signal.addEventListener('abort', off, { once: true });
        },
        changed: () => this.#libraryChanged(),
        log: (line) => this.#logLine(line),
      });
      roomService.events.on('member:joined', () => loudness.announceAll());
      // A member that joins learns every device's output at once, not at the next periodic announcement.
      roomService.events.on('member:joined', () => devices.announce());
      roomService.events.on('member:left', ({ member }) => devices.forget(member.peerId));
      roomService.events.on('member:left', ({ member }) => {
        live.forget(member.peerId);
        const source = playback.state().source;
        if (source?.peerId === member.peerId) this.#stopLive(source, `${member.name} left the room`);
        else this.#checkLiveSource();
      });
      roomService.events.on('member:joined', () => live.announce());
      roomService.events.on('member:left', ({ member, reason }) => {
        playback.membersChanged();
        this.notices.emit('notice', {
          kind: 'left',
          title: `${member.name} left the room`,
          body: reason === 'timeout' ? 'It stopped answering.' : 'It left.',
        });
      });
      roomService.events.on('member:joined', (member) => {
        playback.membersChanged();
        this.notices.emit('notice', { kind: 'joined', title: `${member.name} joined the room`, body: '' });
      });
      roomService.events.on('leader:changed', (leader) => {
        if (!leader) return;
        const name =
          leader.peerId === node.peerId
            ? 'This device'
            : (roomService.members().find((m) => m.peerId === leader.peerId)?.name ?? 'Another device');
        this.notices.emit('notice', {
          kind: 'leader',
          title: `${name} now leads the room`,
          body: `Epoch ${leader.epoch}`,
        });
      });
      roomService.events.on('room:changed', () => this.#statusChanged());
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
      const statusTimer = setInterval(() => this.#statusChanged(), 1000);
      statusTimer.unref();
      library.scanner.addEventListener('track:added', () => this.#libraryChanged());
      library.scanner.addEventListener('track:removed', () => this.#libraryChanged());
      library.scanner.addEventListener('scan:progress', ({ detail }) => {
        this.#scan = { ...detail, running: true };
        this.#statusChanged();
      });
      library.scanner.addEventListener('scan:done', ({ detail }) => {
        this.#scan = { done: detail.files, total: detail.files, currentPath: '', running: false };
        this.#libraryChanged();
      });
      roomService.setSpeaker(this.#speakers > 0);
      const stopLinks = keepMemberLinks(node, roomService);
      this.#running = {
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
      await chunkServer.start();
      await live.start();
      fetcher.start();
      await catalog.start();
      playback.start();
      await roomService.start();
      devices.start();
      playlists.start();
      loudness.start();
      await library.start();
    } catch (error) {
      await node.stop();
      await library.stop();
      throw error;
    }
    return this.identity();
  }

  /** Stops every service; safe to call twice. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#stopServices().then(async () => {
      this.events.clear();
      this.notices.clear();
      await this.#lock?.release();
    }));
  }

  /** Stops and starts every service, keeping listeners (after the room passphrase changed). */
  async restart(): Promise<PeerIdentity> {
    await this.#stopServices();
    const identity = await this.start();
    this.#statusChanged();
    this.#libraryChanged();
    return identity;
  }

  /** The folders scanned: those given with --library and in settings, else the user's music folder if any. */
  #libraryFolders(settings: DeviceSettings): string[] {
    const chosen = [...new Set([...this.options.libraries, ...settings.libraries])];
    if (chosen.length > 0) return chosen;
    const found = defaultMusicFolder();
    return found ? [found] : [];
  }

  /** The music folders this peer scans, and whether they are the default (none was chosen). */
  musicFolders(): { folders: string[]; isDefault: boolean } {
    const settings = this.settings.get();
    const isDefault = this.options.libraries.length === 0 && settings.libraries.length === 0;
    return { folders: this.#libraryFolders(settings), isDefault };
  }

  async #stopServices(): Promise<void> {
    const running = this.#running;
    this.#running = null;
    if (!running) return;
    clearInterval(running.statusTimer);
    running.stopLinks();
    running.playback.stop();
    running.fetcher.stop();
    this.#storage?.stop();
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

  /** Peer id, name and dialable addresses. */
  identity(): PeerIdentity {
    const { node } = this.#require();
    return { peerId: node.peerId, name: this.settings.get().name, addrs: node.listenAddrs() };
  }

  /** The network's debug log, oldest first: dials and why they failed, connects, discoveries, dropped input. */
  netLog(): NetLogEntry[] {
    return this.#require().node.netEvents();
  }

  /** Everything `/api/status`, the REPL and the UI show. */
  status(): PeerStatus {
    const running = this.#require();
    const { node, room, clock, control, library } = running;
    const id = this.identity();
    const settings = this.settings.get();
    const now = performance.now();
    const leader = room.leader();
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
    const clockStats = clock.stats();
    const music = this.musicFolders();
    return {
      self: { peerId: id.peerId, name: id.name, priority: settings.priority, addrs: id.addrs },
      leader,
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
      playback: this.#playbackSummary(running),
      dropped: prefixed({
        playback: running.playback.counts().dropped,
        catalog: running.catalog.stats().dropped as unknown as Record<string, number>,
        chunks: running.chunkServer.stats().dropped as unknown as Record<string, number>,
        fetch: running.fetcher.stats().dropped,
        covers: running.covers.stats().dropped,
        control: control.counts().dropped,
        room: room.dropped(),
        clock: clockStats.dropped,
        net: node.droppedInput() as unknown as Record<string, number>,
        streams: this.#streamGuard.stats() as unknown as Record<string, number>,
        live: running.live.stats().dropped,
        log: { suppressedLines: this.#logLimiter.suppressed },
      }),
      storage: this.#storage?.state() ?? null,
      config: {
        role: room.role(),
        epoch: room.epoch(),
        libraries: this.options.libraries,
        // The user's music folder, shared because no folder was chosen (null when folders were chosen or none exists).
        defaultMusicFolder: music.isDefault ? (music.folders[0] ?? null) : null,
        dataDir: this.options.dataDir,
        port: this.options.port,
        bootstrap: node.bootstrapStatus(),
        room: settings.roomPassphrase === DEFAULT_ROOM_PASSPHRASE ? 'default' : 'custom',
        mdns: this.options.mdns,
        clockOffsetMs: this.options.clockOffsetMs,
        clockSkewPpm: this.options.clockSkewPpm,
        connectedPeers: node.connectedPeers(),
      },
      sync: this.#syncReport,
      output: this.#output(),
      downloads: Object.fromEntries(this.#downloads),
      library: {
        tracks: this.#roomTracks().filter((t) => t.local).length,
        skipped: library.scanner.skipped().length,
        scan: this.#scan,
      },
      devices: this.#deviceList(),
      log: this.#readableLog(),
    };
  }

  #playbackSummary(running: Running): PlaybackSummary {
    const summary = running.playback.summary();
    if (summary.state === 'stopped' && this.#liveStop)
      return { ...summary, liveStopReason: `${this.#liveStop.name}: ${this.#liveStop.reason}` };
    const track = summary.trackId ? this.#roomTracks().find((t) => t.id === summary.trackId) : undefined;
    return track ? { ...summary, title: track.title, artist: track.artist } : summary;
  }

  #roomTracks() {
    return this.#running?.catalog.roomTracks() ?? [];
  }

  /** The room's tracks as listed to users, numbered for `play <index>`. */
  tracks(): RoomTrack[] {
    const running = this.#running;
    if (!running) return [];
    const self = running.node.peerId;
    const loudness = running.loudnessStore.all();
    // A room track is the library's TrackInfo under the listing's names, with who holds it.
    return this.#roomTracks().map(({ id, chunkCount: _chunkCount, holders, local, ...info }, index) => ({
      index,
      trackId: id,
      ...info,
      holders: local ? [self, ...holders] : holders,
      local: local || running.fetcher.isComplete(id),
      loudness: loudness.get(id) ?? null,
    }));
  }

  /** Fetches the current track first, then the next one, from the peers that hold them. */
  #prefetch(state: PlaybackState): void {
    const running = this.#running;
    if (!running || state.currentIndex === null) return;
    // The track after this one by the repeat mode: the first again at the end of a repeated queue.
    const next = nextIndex(state);
    const wanted = [
      state.queue[state.currentIndex],
      next === null || next === state.currentIndex ? undefined : state.queue[next],
    ];
    wanted.forEach((trackId, i) => {
      if (!trackId || running.library.library.isLocal(trackId) || running.fetcher.isComplete(trackId)) return;
      running.fetcher.fetchTrack(trackId, { priority: i === 0 ? 10 : 1 }).catch((error: unknown) => {
        this.#logLine(`fetch ${trackId} failed: ${(error as Error).message}`);
      });
    });
  }

  /**
   * A track's bytes or cover for the renderer, served in byte ranges (never read whole: a 3-hour
   * file must not sit in memory); null when this peer cannot provide it.
   */
  async media(kind: string, id: string): Promise<MediaBody | null> {
    const running = this.#running;
    if (!running) return null;
    const { library } = running.library;
    if (kind === 'cover') {
      // A track only others hold has its cover fetched from them the first time it is shown.
      const cover = library.cover(id) ?? (await running.covers.cover(id));
      return cover ? bytesBody(cover.bytes, cover.mime) : null;
    }
    if (kind !== 'track') return null;
    const track = library.get(id) ?? this.#roomTracks().find((t) => t.id === id) ?? null;
    if (!track) return null;
    const body: MediaBody = {
      mime: mimeOf(track.codec),
      sizeBytes: track.sizeBytes,
      read: ({ start, end }, { signal }) => library.trackRange(id, start, end, { signal }),
    };
    if (library.isLocal(id) || running.fetcher.isComplete(id)) return body;
    // A track only other peers hold: fetched from the front (first in line), its ranges served as they arrive.
    const { fetcher } = running;
    // A full disk cannot take the chunks: say so at once (507) rather than keep the player waiting.
    const storage = this.#storage;
    if (storage && !storage.writable) throw new StorageError(storage.state());
    const fetching = this.#arrivingFetch(id);
    const chunks = library.chunkList(id) ?? [];
    return {
      ...body,
      arrival: async (range, options) => {
        const arrived = await waitForRange(
          {
            chunks,
            has: (chunkId) => library.hasChunk(chunkId),
            onChunk: (listener, signal) =>
              fetcher.on('download:chunk', (e) => e.trackId === id && listener(), { signal }),
            onFailed: (listener) => void fetching.then((failure) => failure && listener()),
          },
          range,
          options,
        );
        // The disk filled up: that is the answer (507), not "ask again".
        const failure = arrived ? null : await Promise.race([fetching, Promise.resolve(null)]);
        if (failure instanceof StorageError) throw failure;
        return arrived;
      },
    };
  }

  /**
   * The fetch of a track a window reads while it arrives, started once however many range requests ask
   * (each used to add its own waiter to the download, and log its own copy of a failure); resolves with the
   * failure, or null once the track is whole.
   */
  #arrivingFetch(trackId: string): Promise<Error | null> {
    const known = this.#arriving.get(trackId);
    if (known) return known;
    const fetcher = this.#running!.fetcher;
    const fetching = fetcher
      .fetchTrack(trackId, { priority: STREAMING_PRIORITY, failOnStorageError: true })
      .then(
        () => null,
        (error: unknown) => {
          this.#logLine(`fetch ${trackId} failed: ${(error as Error).message}`);
          return error as Error;
        },
      )
      .finally(() => this.#arriving.delete(trackId));
    this.#arriving.set(trackId, fetching);
    return fetching;
  }

  /**
   * The frames of a live source for a window (`GET /media/live/<sourceId>`), or null when unknown;
   * with `codec` 'pcm', Opus decoded into PCM for a window that cannot decode it.
   */
  liveMedia(
    sourceId: string,
    signal: AbortSignal,
    codec: 'pcm' | null = null,
  ): AsyncGenerator<Uint8Array> | null {
    const frames = this.#running?.live.open(sourceId, signal) ?? null;
    return frames && codec === 'pcm' ? asPcmFrames(frames) : frames;
  }

  /**
   * The room's live source is gone (its peer left or no longer offers it): every peer records why and
   * tells its windows; the leader stops playback (a peer that becomes leader later checks again).
   */
  #stopLive(source: { sourceId: string; name: string }, reason: string): void {
    const running = this.#running;
    if (!running) return;
    if (this.#liveStop?.sourceId !== source.sourceId) {
      this.#liveStop = { sourceId: source.sourceId, name: source.name, reason, atMs: Date.now() };
      this.#logLine(`live: "${source.name}" stopped: ${reason}`);
      this.events.emit('live:stopped', { sourceId: source.sourceId, name: source.name, reason });
      this.#statusChanged();
    }
    if (running.room.isLeader())
      running.playback.request({ kind: 'stop' }).catch((error: unknown) => {
        this.#logLine(`live: could not stop "${source.name}": ${(error as Error).message}`);
      });
  }

  /** Stops the room's live source if its peer is no member any more or no longer offers it. */
  #checkLiveSource(): void {
    const running = this.#running;
    const source = running?.playback.state().source;
    if (!running || !source) return;
    const member =
      source.peerId === running.node.peerId || running.room.members().some((m) => m.peerId === source.peerId);
    if (!member) this.#stopLive(source, 'its device left the room');
    else if (running.live.gone(source)) this.#stopLive(source, 'its device no longer offers it');
  }

  /** How many windows play on this peer (the headless peer counts its browser connections; the desktop app has one). */
  setSpeakers(count: number): void {
    this.#speakers = Math.max(0, count);
    if (this.#speakers === 0) this.#speakerState = null;
    this.#running?.room.setSpeaker(this.#speakers > 0);
    this.#outputChanged();
    this.#running?.playback.membersChanged();
  }

  /**
   * What this device's speaker is doing, as its window last said, with its engine's latest sync
   * figure while it plays (a figure older than a few reports is no figure).
   */
  #output(): SpeakerReport | null {
    if (this.#speakers === 0 || !this.#speakerState) return null;
    const sync = this.#syncReport;
    const fresh = sync !== null && Date.now() - sync.atMs < SYNC_REPORT_FRESH_MS;
    return {
      ...this.#speakerState,
      syncErrorMs: this.#speakerState.state === 'playing' && fresh ? sync.errorMs : null,
    };
  }

  #outputChanged(): void {
    this.#running?.room.setOutput(this.#output());
  }

  /** The API's tokens: this device's own and its paired browsers' (open once the peer started). */
  get tokens(): ApiTokens {
    if (!this.#tokens) throw new NotAvailableError('peer is not running');
    return this.#tokens;
  }

  /** Group time now (the leader's timeline), in ms. */
  groupNow(): number {
    return this.#require().clock.groupNow();
  }

  #require(): Running {
    if (!this.#running) throw new NotAvailableError('peer is not running');
    return this.#running;
  }

  #flagOverrides(): Partial<DeviceSettings> {
    // A flag given on the command line wins over the saved setting for this run.
    const argv = process.argv;
    const overrides: Partial<DeviceSettings> = {};
    if (argv.includes('--name') || argv.some((a) => a.startsWith('--name=')))
      overrides.name = this.options.name;
    if (argv.some((a) => a === '--priority' || a.startsWith('--priority=') || a === '--leader'))
      overrides.priority = this.options.priority;
    if (argv.some((a) => a === '--room' || a.startsWith('--room=')))
      overrides.roomPassphrase = this.options.room;
    if (argv.some((a) => a === '--live-delay-ms' || a.startsWith('--live-delay-ms=')))
      overrides.liveDelayMs = this.options.liveDelayMs;
    return overrides;
  }

  #shareableAddrs(node: PeerNode): string[] {
    return node.listenAddrs().slice(0, 8);
  }

  #logLine(line: string): void {
    for (const admitted of this.#logLimiter.admit(line))
      this.#log.push(`${new Date().toISOString()} ${admitted}`);
    if (this.#log.length > LOG_LINES) this.#log.splice(0, this.#log.length - LOG_LINES);
  }

  /**
   * The log as a person reads it: tracks by title and devices by name, not by hash and peer id
   * (named when shown, so a device that joined after a line was written is named too).
   */
  #readableLog(): string[] {
    let titles: Map<string, string> | null = null;
    const running = this.#running;
    return this.#log.map((line) =>
      line
        .replace(/\b[0-9a-f]{64}\b/g, (id) => {
          titles ??= new Map(
            this.#roomTracks().map((t) => [t.id, `"${t.title}"${t.artist ? ` by ${t.artist}` : ''}`]),
          );
          return titles.get(id) ?? `track ${id.slice(0, 8)}…`;
        })
        // A peer id inside an address (/p2p/…) is part of the address, not a device to name.
        .replace(/(?<!\/p2p\/)\b12D3KooW[1-9A-HJ-NP-Za-km-z]{44}\b/g, (peerId) => {
          if (running && peerId === running.node.peerId) return 'this device';
          const member = running?.room.members().find((m) => m.peerId === peerId);
          return member ? member.name : `device …${peerId.slice(-6)}`;
        }),
    );
  }

  #libraryChanged(): void {
    this.#statusChanged();
    if (this.#libraryQueued) return;
    this.#libraryQueued = true;
    setTimeout(() => {
      this.#libraryQueued = false;
      if (this.#running) this.events.emit('library:changed', { trackCount: this.#roomTracks().length });
    }, 250).unref();
  }

  #statusChanged(): void {
    if (this.#statusQueued || !this.#running) return;
    this.#statusQueued = true;
    setTimeout(() => {
      this.#statusQueued = false;
      if (this.#running) this.events.emit('status:changed', this.status());
    }, 100).unref();
  }

  /** Asks the leader to apply a playback command; resolves once the resulting state is seen here. */
  async command(command: PlaybackCommand): Promise<void> {
    await this.#require().playback.request(command);
  }

  #makeHandlers(): BridgeHandlers {
    return {
      'peer:identity': () => {
        const { peerId, name } = this.identity();
        return { peerId, name };
      },
      'peer:status': () => this.status(),
      'clock:probe': () => {
        const t2 = this.time.nowMs();
        const clock = this.#running?.clock ?? null;
        const t3 = this.time.nowMs();
        const status = clock ? clock.status(t3) : null;
        return {
          t2,
          t3,
          groupOffsetMs: status ? status.offsetMs : null,
          groupErrorMs: status && Number.isFinite(status.errorMs) ? status.errorMs : null,
          groupDriftPpm: status ? status.driftPpm : null,
          hostClock: {
            offsetMs: this.time.offsetMs,
            skewPpm: this.time.skewPpm,
            originMs: this.time.originMs,
          },
        };
      },
      'library:list': () => this.tracks(),
      'playback:play': async ({ sourceId, ...request }) => {
        if (sourceId === undefined) return this.command({ kind: 'play', ...request });
        if (request.index !== undefined || request.trackId !== undefined)
          throw new InvalidSettingError('play needs one of index, trackId or sourceId');
        const source = this.#require().live.find(sourceId);
        if (!source)
          throw new InvalidSettingError(`no live source "${sourceId}" in the room (GET /api/sources)`);
        this.#liveStop = null;
        await this.command({ kind: 'play-source', source });
      },
      'live:sources': () => {
        const running = this.#require();
        return {
          groupNowMs: running.clock.groupNow(),
          sources: running.live.list(),
          lastStop: this.#liveStop,
        };
      },
      'live:capture-start': ({ name, codec }) => this.#require().live.capture.start(name, codec ?? 'opus'),
      'live:capture-push': ({ sourceId, frames }) =>
        this.#require().live.capture.push(
          sourceId,
          frames.map((f) => Buffer.from(f, 'base64')),
        ),
      'live:capture-stop': ({ sourceId }) => this.#require().live.capture.stop(sourceId),
      'playback:pause': () => this.command({ kind: 'pause' }),
      'playback:resume': () => this.command({ kind: 'resume' }),
      'playback:stop': () => this.command({ kind: 'stop' }),
      'playback:next': () => this.command({ kind: 'next' }),
      'playback:prev': () => this.command({ kind: 'prev' }),
      'playback:seek': ({ positionSec }) => this.command({ kind: 'seek', positionSec }),
      'playback:report': (report) => {
        this.#syncReport = { ...report, atMs: Date.now() };
        this.#outputChanged();
      },
      'speaker:state': ({ state, detail }) => {
        this.#speakerState = { state, detail };
        this.#outputChanged();
        this.#statusChanged();
      },
      'playback:state': () => this.#require().playback.state(),
      'playback:ready': ({ trackId }) => this.#require().playback.reportReady(trackId),
      'playback:unplayable': ({ trackId, reason }) =>
        this.#require().playback.reportUnplayable(trackId, reason),
      'queue:enqueue': ({ trackIds }) => this.command({ kind: 'enqueue', trackIds }),
      'queue:remove': ({ index }) => this.command({ kind: 'remove', index }),
      'queue:move': ({ from, to }) => this.command({ kind: 'move', from, to }),
      'queue:clear': () => this.command({ kind: 'clear' }),
      'queue:replace': ({ trackIds, playIndex }) =>
        this.command(
          playIndex === undefined ? { kind: 'replace', trackIds } : { kind: 'replace', trackIds, playIndex },
        ),
      'playback:shuffle': ({ on }) => this.command({ kind: 'shuffle', on }),
      'playback:repeat': ({ mode }) => this.command({ kind: 'repeat', mode }),
      'playback:crossfade': ({ sec }) => this.command({ kind: 'crossfade', sec }),
      'playback:loudness': (setting) => this.command({ kind: 'loudness', ...setting }),
      'playlists:list': () => this.#require().playlists.list(),
      'playlists:save': (change) => this.#require().playlists.save(change),
      'playlists:delete': ({ id }) => this.#require().playlists.delete(id),
      'playlists:play': async ({ id, index }) => {
        const playlist = this.#require().playlists.get(id);
        if (playlist.trackIds.length === 0)
          throw new InvalidSettingError(`playlist "${playlist.name}" is empty`);
        await this.command({ kind: 'replace', trackIds: playlist.trackIds, playIndex: index ?? 0 });
      },
      'playlists:import': (request) => importM3u8(this.#m3u8Deps(), request),
      'playlists:export': (request) => exportM3u8(this.#m3u8Deps(), request),
      'devices:list': () => this.#deviceList(),
      'devices:settings': async ({ peerId, ...patch }) => {
        const running = this.#require();
        if (!this.#deviceList().some((d) => d.peerId === peerId))
          throw new InvalidSettingError(`no device ${peerId} in the room`);
        await running.devices.set(peerId, patch);
        return this.#deviceList();
      },
      'calibration:start': (request) => this.#require().calibration.request(request),
      'calibration:latest': () => ({ report: this.#require().calibration.latest() }),
      'calibration:accept': ({ calibrationId }) => this.#require().calibration.accept(calibrationId),
      'calibration:play': (plan) => this.#require().calibration.play(plan),
      'calibration:report': (report) => this.#require().calibration.report(report),
      'volume:group': async ({ group }) => {
        const running = this.#require();
        const list = this.#deviceList();
        const volumes = scaleToGroup(
          list.map((d) => d.volume),
          group,
        );
        await Promise.all(
          list.map((d, i) => {
            const volume = volumes[i] as number;
            return volume === d.volume ? undefined : running.devices.set(d.peerId, { volume });
          }),
        );
        const devices = this.#deviceList();
        return { group: groupVolume(devices.map((d) => d.volume)), devices };
      },
      'settings:get': () => settingsView(this.settings.get()),
      'settings:set': async (patch, caller) => {
        if (caller.kind === 'remote') return this.#remoteSettings(patch, caller);
        return settingsView(await this.#applySettings(patch));
      },
      'settings:pending': () => this.#confirmations.list(),
      'settings:confirm': async ({ id, accept }) => {
        const patch = this.#confirmations.take(id);
        if (accept) await this.#applySettings(patch);
      },
      'pairing:start': () => this.pairing.open(null) ?? this.pairing.state(),
      'pairing:state': () => this.pairing.state(),
      'pairing:list': () => this.tokens.list(),
      'pairing:revoke': async ({ id }) => {
        if (!(await this.tokens.revoke(id))) throw new InvalidSettingError('no paired device with that id');
        this.events.emit('pairing:changed', this.pairing.state());
      },
    };
  }

  /**
   * A paired browser's settings: the harmless ones apply at once; the room passphrase and the music
   * folders wait for the device's user (a stolen phone must not move the device into another room).
   */
  async #remoteSettings(patch: Partial<DeviceSettings>, caller: Caller) {
    const { sensitive, rest } = splitSensitive(patch);
    if (Object.keys(sensitive).length === 0) return settingsView(await this.#applySettings(patch));
    // Refuse a bad folder now, while the asker is there to read why.
    for (const folder of sensitive.libraries ?? []) await checkMusicFolder(folder);
    if (Object.keys(rest).length > 0) await this.#applySettings(rest);
    const id = this.#confirmations.add(caller.deviceName ?? 'A paired browser', sensitive);
    throw new ConfirmationRequiredError(
      id,
      `${Object.keys(sensitive).join(' and ')} will change once confirmed on ${this.settings.get().name}`,
    );
  }

  #m3u8Deps() {
    const running = this.#require();
    return { playlists: running.playlists, db: running.library.db, tracks: () => this.tracks() };
  }

  /** Every device's output: this one first, then each member that announced its own. */
  /** The room's speakers: members with a window playing, this device first when it has one. */
  #roomSpeakers(): RoomSpeaker[] {
    const running = this.#running;
    if (!running) return [];
    const self: RoomSpeaker[] =
      this.#speakers > 0 ? [{ peerId: running.node.peerId, name: this.settings.get().name }] : [];
    const others = running.room
      .members()
      .filter((m) => m.peerId !== running.node.peerId && m.speaker === true)
      .map((m) => ({ peerId: m.peerId, name: m.name }));
    return [...self, ...others];
  }

  #deviceList(): DeviceOutputInfo[] {
    const running = this.#running;
    if (!running) return [];
    const settings = this.settings.get();
    const list: DeviceOutputInfo[] = [
      { peerId: running.node.peerId, name: settings.name, self: true, ...outputOf(settings) },
    ];
    const names = new Map(running.room.members().map((m) => [m.peerId, m.name]));
    for (const [peerId, output] of running.devices.outputs()) {
      const name = names.get(peerId);
      if (name !== undefined) list.push({ peerId, name, self: false, ...output });
    }
    return list;
  }

  async #applySettings(patch: Partial<DeviceSettings>): Promise<DeviceSettings> {
    const before = this.settings.get();
    if (patch.libraries !== undefined) {
      const added = patch.libraries.filter((folder) => !before.libraries.includes(folder));
      for (const folder of added) await checkMusicFolder(folder);
    }
    for (const uri of patch.liveSources ?? []) {
      try {
        this.#running?.live.check(uri);
      } catch (error) {
        if (error instanceof LiveSourceError) throw new InvalidSettingError(error.message);
        throw error;
      }
    }
    const next = await this.settings.update(patch);
    if (patch.liveSources !== undefined || patch.liveDelayMs !== undefined)
      this.#running?.live.configure([...this.options.sources, ...next.liveSources], next.liveDelayMs);
    if (patch.libraries !== undefined && this.#running) {
      this.#running.library.scanner.setFolders(this.#libraryFolders(next));
      void this.#running.library.scanner
        .scan()
        .catch((error: unknown) => this.#logLine(`library: scan failed: ${(error as Error).message}`));
    }
    if (
      patch.roomPassphrase !== undefined &&
      patch.roomPassphrase !== before.roomPassphrase &&
      this.#running
    ) {
      this.#logLine('room passphrase changed: joining the new room');
      await this.restart();
    }
    if (patch.name !== undefined || patch.priority !== undefined) {
      this.#running?.room.update({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
      });
    }
    this.events.emit('settings:changed', settingsView(next));
    if (outputKeys.some((key) => patch[key] !== undefined)) this.#running?.devices.announce();
    this.#statusChanged();
    return next;
  }
}

/** The settings other devices may see and change (see shared/devices/output.ts). */
const outputKeys = ['volume', 'muted', 'outputOffsetMs', 'channel'] as const;

function outputOf(settings: DeviceSettings): DeviceOutput {
  return {
    volume: settings.volume,
    muted: settings.muted,
    outputOffsetMs: settings.outputOffsetMs,
    channel: settings.channel,
  };
}

const mimeTypes: Record<string, string> = {
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  vorbis: 'audio/ogg',
  opus: 'audio/ogg',
  pcm: 'audio/wav',
  aac: 'audio/mp4',
  alac: 'audio/mp4',
};

/** The MIME type a browser expects for a codec's usual container. */
function mimeOf(codec: string): string {
  return mimeTypes[codec] ?? 'application/octet-stream';
}

function prefixed(groups: Record<string, Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [group, counts] of Object.entries(groups)) {
    for (const [reason, n] of Object.entries(counts)) if (n > 0) out[`${group}.${reason}`] = n;
  }
  return out;
}

/** A request for something this peer cannot do in its current state. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
}

export { InvalidSettingError } from './settings-guard';
