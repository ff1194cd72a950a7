/** The shapes the peer reports about itself: `/api/status`, the bridge and the REPL share them. */
import type { DeviceOutputInfo } from './devices/output';

export type Role = 'leader' | 'follower' | 'candidate';

export interface SelfInfo {
  peerId: string;
  name: string;
  priority: number;
  addrs: string[];
}

export interface LeaderInfo {
  peerId: string;
  epoch: number;
}

export interface ClockInfo {
  /** Group time minus local time. */
  offsetMs: number;
  driftPpm: number;
  rttMs: number;
  errorMs: number;
}

/** What a device's speaker is doing, in the words its UI shows. */
export type SpeakerState = 'idle' | 'playing' | 'waiting' | 'decoding' | 'needs-click' | 'failed';

/**
 * A device's speaker as its window reports it, shared in its heartbeats: what it does, why when
 * it cannot play, and how far its output is from group time by its engine's own estimate (the
 * figure sync health is judged by: the clock's error bound is a loose worst case, not the sound).
 */
export interface SpeakerReport {
  state: SpeakerState;
  /** The reason, in plain words, when it cannot play ("This file could not be decoded: …"). */
  detail: string | null;
  /** The engine's estimate of its output against group time (ms), while playing. */
  syncErrorMs: number | null;
}

/** A device's download in progress, shared in its heartbeats. */
export interface DownloadInfo {
  trackId: string;
  haveChunks: number;
  totalChunks: number;
}

export interface MemberInfo {
  peerId: string;
  name: string;
  priority: number;
  role: Role;
  addrs: string[];
  lastSeenMs: number;
  rttMs: number | null;
  clock: ClockInfo | null;
  /** Whether a window plays on the member (starts wait only for those). */
  speaker?: boolean;
  /** What the member is fetching from the room right now, if anything. */
  download?: DownloadInfo | null;
  /** What the member's speaker is doing (null when no window plays there, or from older builds). */
  output?: SpeakerReport | null;
}

export type PlaybackStateName = 'stopped' | 'playing' | 'paused';

export interface PlaybackSummary {
  state: PlaybackStateName;
  trackId: string | null;
  positionSec: number;
  /** The current track's title and artist, when this peer knows the track. */
  title?: string;
  artist?: string;
  /** The live source playing instead of a track (its name shows as Now Playing). */
  source?: { sourceId: string; name: string; peerId: string };
  /** Why the last live source stopped on its own ("Kitchen left the room"), while stopped. */
  liveStopReason?: string;
  /**
   * How long after a command its audio is scheduled (ms): the largest need the room's speakers reported plus a
   * margin for the hops, or the default while one has not said (shared/playback/barrier.ts).
   */
  leadMs?: number;
}

/** Whether the data folder takes writes (#24); downloads pause while it does not and resume by themselves. */
export interface StorageInfo {
  /** null while writes succeed. */
  problem: 'full' | 'io-error' | 'read-only' | null;
  /** The error code that set the problem (ENOSPC, EIO, EROFS, SQLITE_FULL…). */
  code: string | null;
  /** Bytes the downloads still need to store. */
  neededBytes: number;
  /** Free bytes on the data folder's file system at the last check. */
  freeBytes: number | null;
  /** The problem in words: "disk full: 12 MB needed". */
  message: string | null;
  /** Writes refused since the problem began. */
  failures: number;
  /** When the next check of the disk is due (ms from now). */
  nextCheckInMs: number | null;
}

export interface PeerStatus {
  self: SelfInfo;
  leader: LeaderInfo | null;
  members: MemberInfo[];
  clock: ClockInfo | null;
  playback: PlaybackSummary;
  dropped: Record<string, number>;
  /** Flags and settings as the peer understood them. */
  config: Record<string, unknown>;
  /** The renderer's last report of its own sync error against group time (ms), if a window plays here. */
  sync?: { errorMs: number; boundMs: number; atMs: number } | null;
  /** What this device's speaker is doing (null when no window plays here). */
  output?: SpeakerReport | null;
  /** Tracks this peer is fetching or has fetched from other peers, by track id. */
  downloads?: Record<string, { haveChunks: number; totalChunks: number; bytes: number; done: boolean }>;
  /** This peer's own library: track count, files skipped, scan progress. */
  library?: {
    tracks: number;
    skipped: number;
    scan: { done: number; total: number; currentPath: string; running: boolean };
  };
  /** The data folder's storage: a problem here pauses downloads (absent from older builds). */
  storage?: StorageInfo | null;
  /** Every device's output settings (this one first), so any device can show and change them. */
  devices?: DeviceOutputInfo[];
  /** Recent notable events (failed dials, elections), newest last. */
  log: string[];
}
