/**
 * The bridge contract: every channel between the renderer and its host peer, with its request
 * and response types and the validator the host runs on each request. Both transports (Electron
 * IPC and the headless peer's WebSocket) are built from this one file.
 */
import type { PlaybackState, RepeatMode } from '../playback/state';
import type { LoudnessChange } from '../playback/room-sound';
import type { PeerStatus, SpeakerState } from '../status';
import type { Validator } from '../validate';
import type { Playlist } from '../playlists/playlist';
import type { DeviceOutputInfo, DeviceOutputPatch } from '../devices/output';
import type { LiveSourceList } from '../live/sources';
import {
  calibrationIdValidator,
  calibrationReportValidator,
  calibrationStartValidator,
  signalPlanValidator,
  type CalibrationReport,
  type SignalPlan,
  type SpeakerSignalPlan,
} from '../calibration/messages';
import { none, obj } from '../validate';
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
import {
  capturePushRequest,
  captureStartRequest,
  captureStopRequest,
  clockProbeRequest,
  confirmRequest,
  crossfadeRequest,
  deviceSettingsRequest,
  enqueueRequest,
  groupVolumeRequest,
  loudnessRequest,
  moveRequest,
  playRequest,
  playlistDeleteRequest,
  playlistExportRequest,
  playlistImportRequest,
  playlistPlayRequest,
  playlistSaveRequest,
  readyRequest,
  removeRequest,
  repeatRequest,
  replaceRequest,
  revokeRequest,
  seekRequest,
  settingsPatch,
  shuffleRequest,
  speakerStateRequest,
  syncReport,
  unplayableRequest,
} from './request-validators';

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
  'playback:ready': { req: { trackId: string; needMs?: number }; res: void };
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
