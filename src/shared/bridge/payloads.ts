/**
 * The data the bridge carries between a renderer and its host peer: device settings, identity,
 * pairing, clock probes and the room's track listing. The channels that carry them are named in
 * `contract.ts`.
 */
import type { TrackLoudness } from '../playback/loudness';
import type { Playlist } from '../playlists/playlist';
import type { M3uMatch } from '../playlists/m3u8';

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

/** How a window's capture goes to the room: Opus (default), or lossless as FLAC or PCM. */
export type CaptureCodec = 'opus' | 'flac' | 'pcm';

/** What an M3U8 import made, and which entries matched no track of the room. */
export interface PlaylistImportResult {
  playlist: Playlist;
  matched: number;
  unmatched: M3uMatch['unmatched'];
}
