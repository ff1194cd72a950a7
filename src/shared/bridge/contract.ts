/**
 * The bridge contract: every channel between the renderer and its host peer, with its request
 * and response types and the validator the host runs on each request. Both transports (Electron
 * IPC and the headless peer's WebSocket) are built from this one file.
 */
import type { PlaybackState } from '../playback/state';
import type { PeerStatus } from '../status';
import type { Validator } from './validate';
import { arrayOf, bool, int, none, num, obj, oneOf, optional, str } from './validate';

export type Channel = 'left' | 'right' | 'stereo' | 'mono';

export type Theme = 'system' | 'light' | 'dark';

export interface DeviceSettings {
  name: string;
  priority: number;
  volume: number;
  outputOffsetMs: number;
  channel: Channel;
  /** Music folders this device scans (besides any given with --library). */
  libraries: string[];
  /** The room passphrase; changing it moves this device to another room (the network restarts). */
  roomPassphrase: string;
  theme: Theme;
  /** Desktop notifications when the leader changes or a peer joins or leaves. */
  notifications: boolean;
  /** Closing the window keeps Firefly playing in the tray. */
  closeToTray: boolean;
}

export interface Identity {
  peerId: string;
  name: string;
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
}

export interface PlayRequest {
  index?: number;
  trackId?: string;
}

export const playRequest = obj({ index: optional(int(0, 1_000_000)), trackId: optional(str(128, 1)) });
export const seekRequest = obj({ positionSec: num(0, 24 * 3600) });
export const settingsPatch = obj({
  name: optional(str(64, 1)),
  priority: optional(int(0, 1000)),
  volume: optional(num(0, 1)),
  outputOffsetMs: optional(num(-1000, 1000)),
  channel: optional(oneOf<Channel>('left', 'right', 'stereo', 'mono')),
  libraries: optional(arrayOf(str(4096, 1), 64)),
  roomPassphrase: optional(str(256, 1)),
  theme: optional(oneOf<Theme>('system', 'light', 'dark')),
  notifications: optional(bool),
  closeToTray: optional(bool),
});
export const clockProbeRequest = obj({ t1: num() });
export const syncReport = obj({ errorMs: num(-1e6, 1e6), boundMs: num(0, 1e6) });
const trackId = str(128, 1);
export const readyRequest = obj({ trackId });
export const enqueueRequest = obj({ trackIds: arrayOf(trackId, 500) });
export const removeRequest = obj({ index: int(0, 10_000) });
export const moveRequest = obj({ from: int(0, 10_000), to: int(0, 10_000) });

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
  'playback:state': { req: void; res: PlaybackState };
  'playback:ready': { req: { trackId: string }; res: void };
  'queue:enqueue': { req: { trackIds: string[] }; res: void };
  'queue:remove': { req: { index: number }; res: void };
  'queue:move': { req: { from: number; to: number }; res: void };
  'queue:clear': { req: void; res: void };
  'settings:get': { req: void; res: DeviceSettings };
  'settings:set': { req: Partial<DeviceSettings>; res: DeviceSettings };
}

/** Events the host pushes to the renderer: name → payload. */
export interface BridgeEvents {
  'status:changed': PeerStatus;
  'library:changed': { trackCount: number };
  'playback:changed': PlaybackState;
  'settings:changed': DeviceSettings;
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
  'playback:state': none,
  'playback:ready': readyRequest,
  'queue:enqueue': enqueueRequest,
  'queue:remove': removeRequest,
  'queue:move': moveRequest,
  'queue:clear': none,
  'settings:get': none,
  'settings:set': settingsPatch,
};

export const requestChannels = Object.keys(requestValidators) as RequestChannel[];
export const eventNames: readonly EventName[] = [
  'status:changed',
  'settings:changed',
  'library:changed',
  'playback:changed',
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
    state(): Promise<PlaybackState>;
    ready(trackId: string): Promise<void>;
  };
  queue: {
    enqueue(trackIds: string[]): Promise<void>;
    remove(index: number): Promise<void>;
    move(from: number, to: number): Promise<void>;
    clear(): Promise<void>;
  };
  settings: { get(): Promise<DeviceSettings>; set(patch: Partial<DeviceSettings>): Promise<DeviceSettings> };
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
      state: () => call('playback:state', undefined),
      ready: (trackId) => call('playback:ready', { trackId }),
    },
    queue: {
      enqueue: (trackIds) => call('queue:enqueue', { trackIds }),
      remove: (index) => call('queue:remove', { index }),
      move: (from, to) => call('queue:move', { from, to }),
      clear: () => call('queue:clear', undefined),
    },
    settings: { get: () => call('settings:get', undefined), set: (patch) => call('settings:set', patch) },
    on: (event, listener) => transport.on(event, listener),
  };
}

/** A handler for each request channel, run by the host after validation. */
export type BridgeHandlers = {
  [C in RequestChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** Error sent back to the renderer when a request is malformed or fails. */
export class BridgeError extends Error {
  override name = 'BridgeError';
}

/** Validates a request for a channel and runs its handler; the one entry point both transports use. */
export async function dispatchRequest(
  handlers: BridgeHandlers,
  channel: unknown,
  payload: unknown,
): Promise<unknown> {
  if (!isRequestChannel(channel)) throw new BridgeError(`unknown channel ${JSON.stringify(channel)}`);
  const parsed = requestValidators[channel](payload);
  if (!parsed.ok) throw new BridgeError(`${channel}: ${parsed.error}`);
  const handler = handlers[channel] as (request: unknown) => unknown;
  return handler(parsed.value);
}
