/**
 * The bridge contract: every channel between the renderer and its host peer, with its request
 * and response types and the validator the host runs on each request. Both transports (Electron
 * IPC and the headless peer's WebSocket) are built from this one file.
 */
import { repeatModes, type PlaybackState, type RepeatMode } from '../playback/state';
import {
  crossfadeSecValidator,
  loudnessChangeFields,
  someLoudnessField,
  type LoudnessChange,
} from '../playback/room-sound';
import type { PeerStatus, SpeakerState } from '../status';
import type { Validator } from '../validate';
import {
  playlistIdValidator,
  playlistNameValidator,
  playlistTrackIdsValidator,
  type Playlist,
} from '../playlists/playlist';
import { m3u8TextValidator, parseM3u8, type M3uMatch } from '../playlists/m3u8';
import { deviceOutputPatchValidator, type DeviceOutputInfo, type DeviceOutputPatch } from '../devices/output';
import { err, ok } from '../result';
import type { TrackLoudness } from '../playback/loudness';
import type { LiveSourceList } from '../live/sources';
import { isSourceId, liveLimits } from '../live/frames';
import {
  calibrationIdValidator,
  calibrationReportValidator,
  calibrationStartValidator,
  signalPlanValidator,
  type CalibrationReport,
  type SignalPlan,
  type SpeakerSignalPlan,
} from '../calibration/messages';
import { arrayOf, bool, int, none, num, obj, oneOf, optional, refine, str } from '../validate';

export type SpeakerChannel = 'left' | 'right' | 'stereo' | 'mono';

export type Theme = 'system' | 'light' | 'dark';

export interface DeviceSettings {
  name: string;
  priority: number;
  volume: number;
  /** Silenced without losing the volume it returns to. */
  muted: boolean;
  outputOffsetMs: number;
  channel: SpeakerChannel;
  /** Music folders this device scans (besides any given with --library). */
  libraries: string[];
  /** The room passphrase; changing it moves this device to another room (the network restarts). */
  roomPassphrase: string;
  theme: Theme;
  /** Desktop notifications when the leader changes or a peer joins or leaves. */
  notifications: boolean;
  /** Closing the window keeps Firefly playing in the tray. */
  closeToTray: boolean;
  /** Live sources this device reads (`pipe://…`, `command://…`, `airplay`, `spotify`), besides any `--source`. */
  liveSources: string[];
  /** How far ahead of reading it this device's live PCM is heard, ms (enough for every speaker to receive it). */
  liveDelayMs: number;
}

/**
 * Settings as the API shows them: the room passphrase never leaves the device, only whether a
 * passphrase of the user's own (not the default room's) is set.
 */
export type SettingsView = Omit<DeviceSettings, 'roomPassphrase'> & { roomPassphraseSet: boolean };

export interface Identity {
  peerId: string;
  name: string;
}

/** Who sent a request: this device itself (its own window, REPL, a local script), or a paired remote browser. */
export interface Caller {
  kind: 'local' | 'remote';
  /** The paired device (remote callers only). */
  deviceId?: string;
  deviceName?: string;
  /**
   * Aborted when the connection the request came over goes (a window's WebSocket closes, its
   * webContents is destroyed): what a window started for itself (a capture) ends with it.
   */
  connection?: ConnectionSignal;
}

/** The part of an AbortSignal a caller's `connection` is (the shared layer has no DOM or Node types). */
export interface ConnectionSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The caller of a request made on the device itself. */
export const LOCAL_CALLER: Caller = Object.freeze({ kind: 'local' });

/** A browser paired with this device for remote control. */
export interface PairedDevice {
  id: string;
  name: string;
  /** Address it paired from. */
  address: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

/** A pairing code waiting to be entered on a new browser; null when none is open. */
export interface PairingState {
  code: string | null;
  /** Who asked for the code (name and address), when a browser asked; null when started on the device. */
  requestedBy: string | null;
  expiresAtMs: number | null;
}

/** A sensitive settings change a paired remote asked for, waiting for a confirmation on the device. */
export interface PendingConfirmation {
  id: string;
  deviceName: string;
  /** What would change, in words ("room passphrase", "music folders: /a, /b"). */
  summary: string;
  atMs: number;
}

/** Times for one clock probe over the bridge (the renderer's second hop). */
export interface ClockProbeReply {
  /** Host receive time (ms, host clock). */
  t2: number;
  /** Host send time (ms, host clock). */
  t3: number;
  /** Host's estimate of group time minus its own local time at `t3`, and its error bound. */
  groupOffsetMs: number | null;
  groupErrorMs: number | null;
  /**
   * How fast group − host changes, in ppm of host time (the host's drift against the leader), so
   * a window can carry the offset forward between probes; absent from older hosts (taken as 0).
   */
  groupDriftPpm?: number | null;
  /**
   * How the host's clock is made from the machine's (its `--clock-offset-ms` / `--clock-skew-ppm`):
   * host = originMs + (machine − originMs)·(1 + skewPpm·1e-6) + offsetMs, where machine is
   * `performance.timeOrigin + performance.now()` on this machine. A window on the same machine reads
   * that clock too, so it can take the host's clock exactly (absent from older hosts: no shift).
   */
  hostClock?: HostClockTransform | null;
}

/** See `ClockProbeReply.hostClock`. */
export interface HostClockTransform {
  offsetMs: number;
  skewPpm: number;
  originMs: number;
}

/** One track of the room's combined library, as listed to users (REPL `list`, `/api/tracks`, the UI). */
export interface RoomTrack {
  /** Position in the listing, for `play <index>`. */
  index: number;
  trackId: string;
  title: string;
  artist: string;
  album: string;
  trackNo: number | null;
  durationSec: number;
  codec: string;
  sizeBytes: number;
  hasCover: boolean;
  /** Peer ids that hold every chunk of the track. */
  holders: string[];
  /** Whether this peer holds it in full. */
  local: boolean;
  /** Its loudness as far as the room knows it (for `trackGainDb`); null or absent when unknown. */
  loudness?: TrackLoudness | null;
}

export interface PlayRequest {
  index?: number;
  trackId?: string;
  /** A live source (see `GET /api/sources`), by id or name. */
  sourceId?: string;
}

export const playRequest = obj({
  index: optional(int(0, 1_000_000)),
  trackId: optional(str(128, 1)),
  sourceId: optional(str(64, 1)),
});
export const seekRequest = obj({ positionSec: num(0, 24 * 3600) });
/** Control and text-direction characters: they garble lists and logs, or make a name read as another. */
const UNSHOWABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** A device name: 1–64 characters of well-formed text that shows as itself. */
export const deviceName: Validator<string> = (input, path) => {
  const r = str(64, 1)(input, path);
  if (!r.ok) return r;
  const where = path ? `${path}: ` : '';
  if (!r.value.isWellFormed()) return err(`${where}contains a broken character (a lone UTF-16 surrogate)`);
  if (UNSHOWABLE.test(r.value)) return err(`${where}control and text-direction characters are not allowed`);
  if (r.value.trim() === '') return err(`${where}must not be blank`);
  return r;
};

/** Output offsets this device accepts, in ms: how long after its output its sound is heard. */
export const OUTPUT_OFFSET_RANGE_MS = { min: -250, max: 1000 } as const;

/** A device's output offset, with the reason when it is out of range. */
const outputOffset: Validator<number> = (input, path) => {
  const r = num(OUTPUT_OFFSET_RANGE_MS.min, OUTPUT_OFFSET_RANGE_MS.max)(input, path);
  if (r.ok) return r;
  return err(
    `${r.error}: the delay from this device's output to its sound (a Bluetooth speaker or a TV adds 20–300 ms); ` +
      `a negative value plays this device later, for a speaker the browser overestimates`,
  );
};

export const settingsPatch = obj({
  name: optional(deviceName),
  priority: optional(int(0, 1000)),
  volume: optional(num(0, 1)),
  muted: optional(bool),
  outputOffsetMs: optional(outputOffset),
  channel: optional(oneOf<SpeakerChannel>('left', 'right', 'stereo', 'mono')),
  libraries: optional(arrayOf(str(4096, 1), 64)),
  roomPassphrase: optional(str(256, 1)),
  theme: optional(oneOf<Theme>('system', 'light', 'dark')),
  notifications: optional(bool),
  closeToTray: optional(bool),
  liveSources: optional(arrayOf(str(2048, 1), 16)),
  liveDelayMs: optional(int(50, 5000)),
});
export const clockProbeRequest = obj({ t1: num() });
/** A change to one device's output: its peer id (from the path of the HTTP route) and at least one field. */
export const deviceSettingsRequest: Validator<{ peerId: string } & DeviceOutputPatch> = (input, path) => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return err('expected an object');
  const { peerId, ...patch } = input as Record<string, unknown>;
  const id = str(128, 1)(peerId, 'peerId');
  if (!id.ok) return id;
  const checked = deviceOutputPatchValidator(patch, path);
  return checked.ok ? { ok: true, value: { peerId: id.value, ...checked.value } } : checked;
};
export const groupVolumeRequest = obj({ group: num(0, 1) });
/** How a window's capture goes to the room: Opus (default), or lossless as FLAC or PCM. */
export type CaptureCodec = 'opus' | 'flac' | 'pcm';
const captureSourceId: Validator<string> = (input, path) =>
  isSourceId(input) ? ok(input) : err(`${path ?? 'sourceId'}: expected a source id`);
/** One frame of the live protocol in base64 (JSON carries no bytes); the peer checks the frame itself. */
const base64Frame: Validator<string> = (input, path) =>
  typeof input === 'string' &&
  input.length <= Math.ceil(liveLimits.maxFrameBytes / 3) * 4 &&
  /^[A-Za-z0-9+/]+={0,2}$/.test(input)
    ? ok(input)
    : err(`${path ?? 'frame'}: expected a base64 frame`);
export const captureStartRequest = obj({
  name: deviceName,
  codec: optional(oneOf<CaptureCodec>('opus', 'flac', 'pcm')),
});
/** At most 64 frames a push: a window pushes as its capture batches come (every 43 ms: 2–3 Opus frames or 1 of PCM). */
export const capturePushRequest = obj({ sourceId: captureSourceId, frames: arrayOf(base64Frame, 64) });
export const captureStopRequest = obj({ sourceId: captureSourceId });
export const playlistSaveRequest = obj({
  id: optional(playlistIdValidator),
  name: playlistNameValidator,
  trackIds: playlistTrackIdsValidator,
});
export const playlistDeleteRequest = obj({ id: playlistIdValidator });
export const playlistPlayRequest = obj({ id: playlistIdValidator, index: optional(int(0, 499)) });
/** An M3U8 text that is well-formed and holds no more entries than a playlist takes. */
const m3u8Playlist: Validator<string> = (input, path) => {
  const text = m3u8TextValidator(input, path);
  if (!text.ok) return text;
  const parsed = parseM3u8(text.value);
  return parsed.ok ? text : err(`${path ?? 'm3u8'}: ${parsed.error}`);
};
export const playlistImportRequest = obj({ name: playlistNameValidator, m3u8: m3u8Playlist });
export const playlistExportRequest = obj({
  playlistId: playlistIdValidator,
  mediaBaseUrl: optional((input: unknown, path?: string) =>
    typeof input === 'string' && input.length <= 200 && /^https?:\/\/[^\s]+$/.test(input)
      ? ok(input)
      : err(`${path ?? 'mediaBaseUrl'}: expected an http(s) URL`),
  ),
});

/** What an M3U8 import made, and which entries matched no track of the room. */
export interface PlaylistImportResult {
  playlist: Playlist;
  matched: number;
  unmatched: M3uMatch['unmatched'];
}
export const speakerStateRequest = obj({
  state: oneOf<SpeakerState>('idle', 'playing', 'waiting', 'decoding', 'needs-click', 'failed'),
  detail: (input: unknown, path?: string) => (input === null ? ok(null) : str(300)(input, path)),
});
export const syncReport = obj({ errorMs: num(-1e6, 1e6), boundMs: num(0, 1e6) });
const trackId = str(128, 1);
export const readyRequest = obj({ trackId });
export const unplayableRequest = obj({ trackId, reason: str(300, 1) });
export const revokeRequest = obj({ id: str(64, 1) });
export const confirmRequest = obj({ id: str(64, 1), accept: bool });
export const enqueueRequest = obj({ trackIds: arrayOf(trackId, 500) });
export const removeRequest = obj({ index: int(0, 10_000) });
export const moveRequest = obj({ from: int(0, 10_000), to: int(0, 10_000) });
export const replaceRequest = obj({ trackIds: arrayOf(trackId, 500), playIndex: optional(int(0, 499)) });
export const shuffleRequest = obj({ on: bool });
export const repeatRequest = obj({ mode: oneOf<RepeatMode>(...repeatModes) });
export const crossfadeRequest = obj({ sec: crossfadeSecValidator });
export const loudnessRequest = refine(obj(loudnessChangeFields), someLoudnessField);

/** Request channels: name → request and response type. */
export interface BridgeRequests {
  'peer:identity': { req: void; res: Identity };
  'peer:status': { req: void; res: PeerStatus };
  'clock:probe': { req: { t1: number }; res: ClockProbeReply };
  'library:list': { req: void; res: RoomTrack[] };
  'playback:play': { req: PlayRequest; res: void };
  'playback:pause': { req: void; res: void };
  'playback:resume': { req: void; res: void };
  'playback:stop': { req: void; res: void };
  'playback:next': { req: void; res: void };
  'playback:prev': { req: void; res: void };
  'playback:seek': { req: { positionSec: number }; res: void };
  'playback:report': { req: { errorMs: number; boundMs: number }; res: void };
  'speaker:state': { req: { state: SpeakerState; detail: string | null }; res: void };
  'playback:state': { req: void; res: PlaybackState };
  'playback:ready': { req: { trackId: string }; res: void };
  'playback:unplayable': { req: { trackId: string; reason: string }; res: void };
  'playback:shuffle': { req: { on: boolean }; res: void };
  'playback:repeat': { req: { mode: RepeatMode }; res: void };
  /** The room's crossfade, seconds (0 = off). */
  'playback:crossfade': { req: { sec: number }; res: void };
  /** The room's loudness normalisation. */
  'playback:loudness': { req: LoudnessChange; res: void };
  'queue:enqueue': { req: { trackIds: string[] }; res: void };
  'queue:remove': { req: { index: number }; res: void };
  'queue:move': { req: { from: number; to: number }; res: void };
  'queue:clear': { req: void; res: void };
  /** Replaces the queue (play an album or a playlist), optionally playing one of its tracks. */
  'queue:replace': { req: { trackIds: string[]; playIndex?: number }; res: void };
  'settings:get': { req: void; res: SettingsView };
  'settings:set': { req: Partial<DeviceSettings>; res: SettingsView };
  'settings:pending': { req: void; res: PendingConfirmation[] };
  'settings:confirm': { req: { id: string; accept: boolean }; res: void };
  'pairing:start': { req: void; res: PairingState };
  'pairing:state': { req: void; res: PairingState };
  'pairing:list': { req: void; res: PairedDevice[] };
  'pairing:revoke': { req: { id: string }; res: void };
  /** Every device's output settings (this one first), as the room announced them. */
  'devices:list': { req: void; res: DeviceOutputInfo[] };
  /** Changes one device's output; resolves once that device applied it. */
  'devices:settings': { req: { peerId: string } & DeviceOutputPatch; res: DeviceOutputInfo[] };
  /** Moves every device's volume by the same factor, so the loudest is at `group`. */
  'volume:group': { req: { group: number }; res: { group: number; devices: DeviceOutputInfo[] } };
  /** The room's playlists, by name. */
  'playlists:list': { req: void; res: Playlist[] };
  /** Creates a playlist (no id), or sets one's name and tracks (rename, reorder, add, remove). */
  'playlists:save': { req: { id?: string; name: string; trackIds: string[] }; res: Playlist };
  'playlists:delete': { req: { id: string }; res: void };
  /** Makes the playlist the queue and plays it from `index` (default its first track). */
  'playlists:play': { req: { id: string; index?: number }; res: void };
  /** Makes a playlist of an M3U8 file's entries that match the room's tracks. */
  'playlists:import': { req: { name: string; m3u8: string }; res: PlaylistImportResult };
  /** A playlist as M3U8 text; tracks not on this device point at `mediaBaseUrl`/media/track/<id>. */
  'playlists:export': {
    req: { playlistId: string; mediaBaseUrl?: string };
    res: { name: string; fileName: string; m3u8: string };
  };
  /** The room's live sources (`GET /api/sources`). */
  'live:sources': { req: void; res: LiveSourceList };
  /** Starts a source of this window's captured sound (see docs/live.md); its frames come with `live:capture-push`. */
  'live:capture-start': { req: { name: string; codec?: CaptureCodec }; res: { sourceId: string } };
  /** Frames of the live protocol (base64), encoded and stamped by the capturing window. */
  'live:capture-push': { req: { sourceId: string; frames: string[] }; res: { accepted: number } };
  'live:capture-stop': { req: { sourceId: string }; res: void };
  /** Asks a window of this device with a microphone to calibrate the room (or only check it). */
  'calibration:start': { req: { peerIds?: string[]; check?: boolean }; res: { calibrationId: string } };
  /** The latest calibration or check, as its window reported it. */
  'calibration:latest': { req: void; res: { report: CalibrationReport | null } };
  /** A window takes a requested calibration; only the first is told to go. */
  'calibration:accept': { req: { calibrationId: string }; res: { go: boolean } };
  /** A calibrating window's plan: the room's speakers play their test signals at these group times. */
  'calibration:play': { req: SignalPlan; res: void };
  /** A calibrating window's progress and result. */
  'calibration:report': { req: CalibrationReport; res: void };
}

/** Events the host pushes to the renderer: name → payload. */
export interface BridgeEvents {
  'status:changed': PeerStatus;
  'library:changed': { trackCount: number };
  'playback:changed': PlaybackState;
  'settings:changed': SettingsView;
  /** Sent to windows on the device itself only. */
  'pairing:changed': PairingState;
  /** Sent to windows on the device itself only. */
  'settings:pending': PendingConfirmation[];
  /** The room's playlists, whenever one changes here or anywhere in the room. */
  'playlists:changed': Playlist[];
  /** A live source stopped on its own: its peer left, or it ended. */
  'live:stopped': { sourceId: string; name: string; reason: string };
  /** A calibration was asked for (the API, the REPL): a window with a microphone may take it. */
  'calibration:requested': { calibrationId: string; peerIds: string[]; check: boolean };
  /** This device's speaker plays its test signals at these group times. */
  'calibration:signal': SpeakerSignalPlan;
  /** The latest calibration changed. */
  'calibration:changed': CalibrationReport;
}

export type RequestChannel = keyof BridgeRequests;
export type EventName = keyof BridgeEvents;
export type RequestOf<C extends RequestChannel> = BridgeRequests[C]['req'];
export type ResponseOf<C extends RequestChannel> = BridgeRequests[C]['res'];

/** The validator the host runs on each channel's request before any handler sees it. */
export const requestValidators: { [C in RequestChannel]: Validator<RequestOf<C>> } = {
  'peer:identity': none,
  'peer:status': none,
  'clock:probe': clockProbeRequest,
  'library:list': none,
  'playback:play': playRequest,
  'playback:pause': none,
  'playback:resume': none,
  'playback:stop': none,
  'playback:next': none,
  'playback:prev': none,
  'playback:seek': seekRequest,
  'playback:report': syncReport,
  'speaker:state': speakerStateRequest,
  'playback:state': none,
  'playback:ready': readyRequest,
  'playback:unplayable': unplayableRequest,
  'playback:shuffle': shuffleRequest,
  'playback:repeat': repeatRequest,
  'playback:crossfade': crossfadeRequest,
  'playback:loudness': loudnessRequest,
  'queue:enqueue': enqueueRequest,
  'queue:remove': removeRequest,
  'queue:move': moveRequest,
  'queue:clear': none,
  'queue:replace': replaceRequest,
  'settings:get': none,
  'settings:set': settingsPatch,
  'settings:pending': none,
  'settings:confirm': confirmRequest,
  'pairing:start': none,
  'pairing:state': none,
  'pairing:list': none,
  'pairing:revoke': revokeRequest,
  'devices:list': none,
  'devices:settings': deviceSettingsRequest,
  'volume:group': groupVolumeRequest,
  'playlists:list': none,
  'playlists:save': playlistSaveRequest,
  'playlists:delete': playlistDeleteRequest,
  'playlists:play': playlistPlayRequest,
  'playlists:import': playlistImportRequest,
  'playlists:export': playlistExportRequest,
  'live:sources': none,
  'live:capture-start': captureStartRequest,
  'live:capture-push': capturePushRequest,
  'live:capture-stop': captureStopRequest,
  'calibration:start': calibrationStartValidator,
  'calibration:latest': none,
  'calibration:accept': obj({ calibrationId: calibrationIdValidator }),
  'calibration:play': signalPlanValidator,
  'calibration:report': calibrationReportValidator,
};

/**
 * Channels only the device itself may use: pairing a browser, revoking one, confirming a paired
 * browser's sensitive change. A remote caller is refused, whatever its token.
 */
export const localOnlyChannels: ReadonlySet<RequestChannel> = new Set<RequestChannel>([
  'settings:pending',
  'settings:confirm',
  'pairing:start',
  'pairing:state',
  'pairing:list',
  'pairing:revoke',
]);

/** Events only windows on the device itself receive (pairing codes must not reach the browser being paired). */
export const localOnlyEvents: ReadonlySet<EventName> = new Set<EventName>([
  'pairing:changed',
  'settings:pending',
]);

export const requestChannels = Object.keys(requestValidators) as RequestChannel[];
export const eventNames: readonly EventName[] = [
  'status:changed',
  'settings:changed',
  'library:changed',
  'playback:changed',
  'pairing:changed',
  'settings:pending',
  'playlists:changed',
  'calibration:requested',
  'calibration:signal',
  'calibration:changed',
];

/** Checks that a string names a request channel. */
export const isRequestChannel = (name: unknown): name is RequestChannel =>
  typeof name === 'string' && Object.hasOwn(requestValidators, name);

/** Checks that a string names an event. */
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && (eventNames as readonly string[]).includes(name);

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
    ready(trackId: string): Promise<void>;
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
      ready: (trackId) => call('playback:ready', { trackId }),
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

/** A handler for each request channel, run by the host after validation, told who asked. */
export type BridgeHandlers = {
  [C in RequestChannel]: (request: RequestOf<C>, caller: Caller) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** The handlers as one caller sees them: each takes just its request. */
export type CallerHandlers = {
  [C in RequestChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** Binds every handler to `caller` (the REPL and the tray act as the device itself). */
export function asCaller(handlers: BridgeHandlers, caller: Caller): CallerHandlers {
  const bound: Partial<Record<RequestChannel, (request: unknown) => unknown>> = {};
  for (const channel of requestChannels) {
    const handler = handlers[channel] as (request: unknown, caller: Caller) => unknown;
    bound[channel] = (request) => handler(request, caller);
  }
  return bound as CallerHandlers;
}

/** Error sent back to the renderer when a request is malformed or fails. */
export class BridgeError extends Error {
  override name = 'BridgeError';
}

/** A request a remote caller may not make (see `localOnlyChannels`). */
export class LocalOnlyError extends Error {
  override name = 'LocalOnlyError';
}

/** Validates a request for a channel and runs its handler; the one entry point every transport uses. */
export async function dispatchRequest(
  handlers: BridgeHandlers,
  channel: unknown,
  payload: unknown,
  caller: Caller,
): Promise<unknown> {
  if (!isRequestChannel(channel)) throw new BridgeError(`unknown channel ${JSON.stringify(channel)}`);
  if (caller.kind !== 'local' && localOnlyChannels.has(channel))
    throw new LocalOnlyError(`${channel} can only be used on the device itself`);
  const parsed = requestValidators[channel](payload);
  if (!parsed.ok) throw new BridgeError(`${channel}: ${parsed.error}`);
  const handler = handlers[channel] as (request: unknown, caller: Caller) => unknown;
  return handler(parsed.value, caller);
}
