/**
 * The renderer's side of the bridge: the small domain object (`window.firefly` under Electron, or
 * built over the WebSocket) with one method per request channel of `contract.ts`.
 */
import type { PlaybackState, RepeatMode } from '../playback/state';
import type { LoudnessChange } from '../playback/room-sound';
import type { PeerStatus, SpeakerState } from '../status';
import type { Playlist } from '../playlists/playlist';
import type { DeviceOutputInfo, DeviceOutputPatch } from '../devices/output';
import type { LiveSourceList } from '../live/sources';
import type { CalibrationReport, SignalPlan } from '../calibration/messages';
import type { BridgeEvents, EventName, RequestChannel, RequestOf, ResponseOf } from './contract';
import type {
  CaptureCodec,
  ClockProbeReply,
  DeviceSettings,
  Identity,
  PairedDevice,
  PairingState,
  PendingConfirmation,
  PlayRequest,
  PlaylistImportResult,
  RoomTrack,
  SettingsView,
} from './payloads';

/** What a transport provides: one call per request channel, and event subscription. */
export interface BridgeTransport {
  invoke<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
}

/** The small domain object the renderer sees as `window.firefly` (Electron) or builds over WebSocket. */
export interface FireflyApi {
  transport: 'ipc' | 'websocket';
  peer: { identity(): Promise<Identity>; status(): Promise<PeerStatus> };
  clock: { probe(t1: number): Promise<ClockProbeReply> };
  library: { list(): Promise<RoomTrack[]> };
  playback: {
    play(request: PlayRequest): Promise<void>;
    pause(): Promise<void>;
    resume(): Promise<void>;
    stop(): Promise<void>;
    next(): Promise<void>;
    prev(): Promise<void>;
    seek(positionSec: number): Promise<void>;
    report(errorMs: number, boundMs: number): Promise<void>;
    /** What this window's speaker is doing (playing, needs a click, failed with a reason…), for every device's Room view. */
    speakerState(state: SpeakerState, detail?: string | null): Promise<void>;
    state(): Promise<PlaybackState>;
    /**
     * This window has `trackId` ready to start; `needMs`: how long after it hears of a start its speaker
     * sounds at the earliest (output latency and offset), for the room's lead time.
     */
    ready(trackId: string, needMs?: number): Promise<void>;
    /** This window's speaker cannot play `trackId` (a reason in plain words); the room skips a track no speaker can play. */
    unplayable(trackId: string, reason: string): Promise<void>;
    shuffle(on: boolean): Promise<void>;
    repeat(mode: RepeatMode): Promise<void>;
    crossfade(sec: number): Promise<void>;
    loudness(change: LoudnessChange): Promise<void>;
  };
  queue: {
    enqueue(trackIds: string[]): Promise<void>;
    remove(index: number): Promise<void>;
    move(from: number, to: number): Promise<void>;
    clear(): Promise<void>;
    replace(trackIds: string[], playIndex?: number): Promise<void>;
  };
  settings: {
    get(): Promise<SettingsView>;
    set(patch: Partial<DeviceSettings>): Promise<SettingsView>;
    pending(): Promise<PendingConfirmation[]>;
    confirm(id: string, accept: boolean): Promise<void>;
  };
  pairing: {
    start(): Promise<PairingState>;
    state(): Promise<PairingState>;
    list(): Promise<PairedDevice[]>;
    revoke(id: string): Promise<void>;
  };
  playlists: {
    list(): Promise<Playlist[]>;
    save(change: { id?: string; name: string; trackIds: string[] }): Promise<Playlist>;
    delete(id: string): Promise<void>;
    play(id: string, index?: number): Promise<void>;
    importM3u8(name: string, m3u8: string): Promise<PlaylistImportResult>;
    exportM3u8(
      playlistId: string,
      mediaBaseUrl?: string,
    ): Promise<{ name: string; fileName: string; m3u8: string }>;
  };
  devices: {
    list(): Promise<DeviceOutputInfo[]>;
    set(peerId: string, patch: DeviceOutputPatch): Promise<DeviceOutputInfo[]>;
    groupVolume(group: number): Promise<{ group: number; devices: DeviceOutputInfo[] }>;
  };
  live: {
    sources(): Promise<LiveSourceList>;
    captureStart(name: string, codec?: CaptureCodec): Promise<{ sourceId: string }>;
    capturePush(sourceId: string, frames: string[]): Promise<{ accepted: number }>;
    captureStop(sourceId: string): Promise<void>;
  };
  calibration: {
    start(request: { peerIds?: string[]; check?: boolean }): Promise<{ calibrationId: string }>;
    latest(): Promise<{ report: CalibrationReport | null }>;
    accept(calibrationId: string): Promise<{ go: boolean }>;
    play(plan: SignalPlan): Promise<void>;
    report(report: CalibrationReport): Promise<void>;
  };
  on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
}

/** Builds the domain object from a transport; used by the preload and the WebSocket client alike. */
export function createFireflyApi(transport: BridgeTransport, kind: FireflyApi['transport']): FireflyApi {
  const call = <C extends RequestChannel>(channel: C, request: RequestOf<C>) =>
    transport.invoke(channel, request);
  return {
    transport: kind,
    peer: { identity: () => call('peer:identity', undefined), status: () => call('peer:status', undefined) },
    clock: { probe: (t1) => call('clock:probe', { t1 }) },
    library: { list: () => call('library:list', undefined) },
    playback: {
      play: (request) => call('playback:play', request),
      pause: () => call('playback:pause', undefined),
      resume: () => call('playback:resume', undefined),
      stop: () => call('playback:stop', undefined),
      next: () => call('playback:next', undefined),
      prev: () => call('playback:prev', undefined),
      seek: (positionSec) => call('playback:seek', { positionSec }),
      report: (errorMs, boundMs) => call('playback:report', { errorMs, boundMs }),
      speakerState: (state, detail = null) => call('speaker:state', { state, detail }),
      state: () => call('playback:state', undefined),
      ready: (trackId, needMs) =>
        call('playback:ready', needMs === undefined ? { trackId } : { trackId, needMs }),
      unplayable: (trackId, reason) => call('playback:unplayable', { trackId, reason }),
      shuffle: (on) => call('playback:shuffle', { on }),
      repeat: (mode) => call('playback:repeat', { mode }),
      crossfade: (sec) => call('playback:crossfade', { sec }),
      loudness: (change) => call('playback:loudness', change),
    },
    queue: {
      enqueue: (trackIds) => call('queue:enqueue', { trackIds }),
      remove: (index) => call('queue:remove', { index }),
      move: (from, to) => call('queue:move', { from, to }),
      clear: () => call('queue:clear', undefined),
      replace: (trackIds, playIndex) =>
        call('queue:replace', playIndex === undefined ? { trackIds } : { trackIds, playIndex }),
    },
    settings: {
      get: () => call('settings:get', undefined),
      set: (patch) => call('settings:set', patch),
      pending: () => call('settings:pending', undefined),
      confirm: (id, accept) => call('settings:confirm', { id, accept }),
    },
    pairing: {
      start: () => call('pairing:start', undefined),
      state: () => call('pairing:state', undefined),
      list: () => call('pairing:list', undefined),
      revoke: (id) => call('pairing:revoke', { id }),
    },
    playlists: {
      list: () => call('playlists:list', undefined),
      save: (change) => call('playlists:save', change),
      delete: (id) => call('playlists:delete', { id }),
      play: (id, index) => call('playlists:play', index === undefined ? { id } : { id, index }),
      importM3u8: (name, m3u8) => call('playlists:import', { name, m3u8 }),
      exportM3u8: (playlistId, mediaBaseUrl) =>
        call('playlists:export', mediaBaseUrl === undefined ? { playlistId } : { playlistId, mediaBaseUrl }),
    },
    devices: {
      list: () => call('devices:list', undefined),
      set: (peerId, patch) => call('devices:settings', { peerId, ...patch }),
      groupVolume: (group) => call('volume:group', { group }),
    },
    live: {
      sources: () => call('live:sources', undefined),
      captureStart: (name, codec) =>
        call('live:capture-start', codec === undefined ? { name } : { name, codec }),
      capturePush: (sourceId, frames) => call('live:capture-push', { sourceId, frames }),
      captureStop: (sourceId) => call('live:capture-stop', { sourceId }),
    },
    calibration: {
      start: (request) => call('calibration:start', request),
      latest: () => call('calibration:latest', undefined),
      accept: (calibrationId) => call('calibration:accept', { calibrationId }),
      play: (plan) => call('calibration:play', plan),
      report: (report) => call('calibration:report', report),
    },
    on: (event, listener) => transport.on(event, listener),
  };
}
