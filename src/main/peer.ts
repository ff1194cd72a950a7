/** The composition root: one Peer = libp2p node + services, wired the same for the desktop app and the headless peer. */
import type { BridgeEvents } from '../shared/bridge/contract';
import type { RoomTrack } from '../shared/bridge/payloads';
import type { BridgeHandlers } from '../shared/bridge/dispatch';
import type { PlaybackCommand } from '../shared/playback/state';
import type { PeerStatus } from '../shared/status';
import type { PeerOptions } from './cli/args';
import { TypedEventTarget } from '../shared/events';
import { StreamGuard } from './net/stream-guard';
import { createTimeSource, type SkewedTimeSource } from './clock/time-source';
import type { NetLogEntry } from './net/event-log';
import { SettingsStore } from './settings';
import type { MediaBody } from './http/range';
import type { ApiTokens } from './http/api-tokens';
import { Pairing } from './http/pairing';
import { NotAvailableError, startRunning, stopRunning, type Running } from './peer/running';
import { PeerLog } from './peer/peer-log';
import { componentLogger } from '../shared/logger';
import { ChangeSignals } from './peer/change-signals';
import type { PeerNotices } from './peer/notices';
import { Downloads } from './peer/downloads';
import { MediaService } from './peer/media';
import { LiveWatch } from './peer/live-watch';
import { LocalSpeakers } from './peer/local-speakers';
import { ScanProgress } from './peer/scan-progress';
import { defaultSettings, SettingsService } from './peer/settings-service';
import { PeerResources } from './peer/resources';
import { peerStatus, playbackView } from './peer/status-view';
import { bridgeHandlers } from './peer/bridge-handlers';
import { trackListing } from './peer/track-listing';
import { wireServices, type WiringParts } from './peer/wire';

export type { PeerNotices } from './peer/notices';
export { NotAvailableError } from './peer/running';
export { InvalidSettingError } from './settings-guard';

export interface PeerIdentity {
  peerId: string;
  name: string;
  addrs: string[];
}

/** Timings a test or benchmark may shorten; defaults suit a LAN room. */
export interface PeerTuning {
  heartbeatMs?: number;
  leaderTimeoutMs?: number;
  memberTimeoutMs?: number;
}

/** A running Firefly peer. */
export class Peer {
  readonly handlers: BridgeHandlers;
  readonly settings: SettingsStore;
  readonly time: SkewedTimeSource;
  /** Pairing codes for browsers on other devices (the code goes only to this device's own windows). */
  readonly pairing = new Pairing((state) => this.events.emit('pairing:changed', state));
  /** Benches peers that keep sending malformed input on any stream protocol (#24). */
  readonly #streamGuard = new StreamGuard();
  readonly #log = new PeerLog();
  /** Every service's logger, scoped by component, writing to this peer's log. */
  readonly #loggers = componentLogger((line) => this.#log.line(line));
  readonly events = new TypedEventTarget<BridgeEvents>(this.#loggers.forComponent('firefly:bridge'));
  readonly notices = new TypedEventTarget<PeerNotices>(this.#loggers.forComponent('firefly:notices'));
  /** The data folder's lock, the API tokens, and whether the folder takes writes (downloads pause when not, #24). */
  readonly #resources: PeerResources;
  #running: Running | null = null;
  #stopping: Promise<void> | null = null;
  readonly #scan = new ScanProgress();
  readonly #changes = new ChangeSignals({
    running: () => this.#running !== null,
    emitStatus: () => this.events.emit('status:changed', this.status()),
    emitLibrary: () => this.events.emit('library:changed', { trackCount: this.#roomTracks().length }),
  });
  readonly #speakers = new LocalSpeakers({
    running: () => this.#running,
    settings: () => this.settings.get(),
  });
  readonly #liveWatch = new LiveWatch({
    running: () => this.#running,
    events: this.events,
    statusChanged: () => this.#changes.statusChanged(),
    logger: this.#loggers,
  });
  readonly #downloads = new Downloads({
    fetcher: () => this.#running?.fetcher ?? null,
    isLocal: (trackId) => this.#running?.library.library.isLocal(trackId) ?? false,
    trackOf: (trackId) => this.#running?.library.library.get(trackId) ?? this.#roomTrack(trackId),
    logger: this.#loggers,
  });
  readonly #media = new MediaService({
    running: () => this.#running,
    roomTrack: (id) => this.#roomTrack(id),
    storage: () => this.#resources.storage,
    arriving: (trackId) => this.#downloads.arriving(trackId),
  });
  readonly #settings: SettingsService;
  readonly #wiring: WiringParts;

  constructor(
    readonly options: PeerOptions,
    private readonly tuning: PeerTuning = {},
  ) {
    this.settings = new SettingsStore(options.dataDir, defaultSettings(options));
    this.time = createTimeSource({ offsetMs: options.clockOffsetMs, skewPpm: options.clockSkewPpm });
    this.#settings = new SettingsService({
      store: this.settings,
      options,
      running: () => this.#running,
      restart: () => this.restart(),
      events: this.events,
      statusChanged: () => this.#changes.statusChanged(),
      logger: this.#loggers,
    });
    this.#resources = new PeerResources({
      options,
      settings: this.settings,
      settingsService: this.#settings,
      loggers: this.#loggers,
      neededBytes: () => this.#running?.fetcher.neededBytes() ?? 0,
      storageChanged: () => this.#changes.statusChanged(),
    });
    this.#wiring = {
      options,
      tuning,
      time: this.time,
      settings: this.settings,
      settingsService: this.#settings,
      events: this.events,
      notices: this.notices,
      loggers: this.#loggers,
      streamGuard: this.#streamGuard,
      speaker: this.#speakers.output,
      liveWatch: this.#liveWatch,
      downloads: this.#downloads,
      changes: this.#changes,
      roomTracks: () => this.#roomTracks(),
      roomTrack: (id) => this.#roomTrack(id),
      tracks: () => this.tracks(),
      roomSpeakers: () => this.#speakers.roomSpeakers(),
      scan: this.#scan,
    };
    this.handlers = bridgeHandlers({
      identity: () => this.identity(),
      status: () => this.status(),
      time: this.time,
      running: () => this.#running,
      require: () => this.#require(),
      tracks: () => this.tracks(),
      command: (command) => this.command(command),
      liveWatch: this.#liveWatch,
      speaker: this.#speakers.output,
      outputChanged: () => this.#speakers.outputChanged(),
      statusChanged: () => this.#changes.statusChanged(),
      deviceList: () => this.#speakers.deviceList(),
      settingsService: this.#settings,
      settings: this.settings,
      pairing: this.pairing,
      tokens: () => this.tokens,
      events: this.events,
    });
  }

  /** Starts every service; resolves once the peer is reachable. */
  async start(): Promise<PeerIdentity> {
    if (this.#running) return this.identity();
    const parts = await this.#resources.open();
    try {
      const running = await wireServices(this.#wiring, parts);
      this.#running = running;
      await startRunning(running);
    } catch (error) {
      await parts.node.stop();
      await parts.library.stop();
      throw error;
    }
    return this.identity();
  }

  /** Stops every service; safe to call twice. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#stopServices().then(async () => {
      this.events.clear();
      this.notices.clear();
      await this.#resources.release();
    }));
  }

  /** Stops and starts every service, keeping listeners (after the room passphrase changed). */
  async restart(): Promise<PeerIdentity> {
    await this.#stopServices();
    const identity = await this.start();
    this.#changes.statusChanged();
    this.#changes.libraryChanged();
    return identity;
  }

  /** The music folders this peer scans, and whether they are the default (none was chosen). */
  musicFolders(): { folders: string[]; isDefault: boolean } {
    return this.#settings.musicFolders();
  }

  async #stopServices(): Promise<void> {
    const running = this.#running;
    this.#running = null;
    if (!running) return;
    await stopRunning(running, this.#resources.storage);
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
    return peerStatus(running, {
      settings: this.settings.get(),
      options: this.options,
      musicFolders: this.musicFolders(),
      playback: playbackView(running.playback.summary(), this.#liveWatch.lastStop, (id) =>
        this.#roomTrack(id),
      ),
      streams: this.#streamGuard.stats(),
      suppressedLines: this.#log.suppressed,
      storage: this.#resources.storage?.state() ?? null,
      sync: this.#speakers.output.sync,
      output: this.#speakers.output.output(),
      downloads: this.#downloads.snapshot(),
      localTracks: running.library.db.localTrackCount(),
      scan: this.#scan.state,
      devices: this.#speakers.deviceList(),
      log: this.#log.readable({
        tracks: () => this.#roomTracks(),
        selfId: () => this.#running?.node.peerId ?? null,
        members: () => this.#running?.room.members() ?? [],
      }),
    });
  }

  #roomTracks() {
    return this.#running?.catalog.roomTracks() ?? [];
  }
  /** One of the room's tracks by id, without listing them all (status and range requests ask often). */
  #roomTrack(id: string) {
    return this.#running?.catalog.roomTrack(id) ?? null;
  }

  /** The room's tracks as listed to users, numbered for `play <index>`. */
  tracks(): RoomTrack[] {
    return this.#running ? trackListing(this.#running, this.#roomTracks()) : [];
  }

  /** Asks the leader to apply a playback command; resolves once the resulting state is seen here. */
  async command(command: PlaybackCommand): Promise<void> {
    await this.#require().playback.request(command);
  }

  /** A track's bytes or cover for the renderer, in byte ranges; null when this peer cannot provide it. */
  media(kind: string, id: string): Promise<MediaBody | null> {
    return this.#media.media(kind, id);
  }

  /** The frames of a live source for a window, or null when unknown (see MediaService.liveMedia). */
  liveMedia(
    sourceId: string,
    signal: AbortSignal,
    codec: 'pcm' | null = null,
  ): AsyncGenerator<Uint8Array> | null {
    return this.#media.liveMedia(sourceId, signal, codec);
  }

  /** How many windows play on this peer (the headless peer counts its browser connections; the desktop app has one). */
  setSpeakers(count: number): void {
    this.#speakers.setSpeakers(count);
  }

  /** The API's tokens: this device's own and its paired browsers' (open once the peer started). */
  get tokens(): ApiTokens {
    const tokens = this.#resources.tokens;
    if (!tokens) throw new NotAvailableError('peer is not running');
    return tokens;
  }

  /** Group time now (the leader's timeline), in ms. */
  groupNow(): number {
    return this.#require().clock.groupNow();
  }

  #require(): Running {
    if (!this.#running) throw new NotAvailableError('peer is not running');
    return this.#running;
  }
}
