/**
 * What the audio engine is built from and its options, with their defaults in one place.
 */
import type { ClockMapInit } from './clock-map';
import type { BackoffInit } from './decoder/backoff';
import type { TrackLocation } from './decoder/decoder-client';
import type { OutputSettings } from './engine-state';
import type { GroupTimeSource } from './group-clock';

/** The narrow parts the engine is built from. */
export interface AudioEngineComponents {
  groupClock: GroupTimeSource;
  /**
   * `new AudioContext({ latencyHint: 'playback' })` by default: starts are scheduled ahead on group
   * time, so the longer output buffer costs no command-to-sound time and rides out CPU bursts.
   */
  createContext?: () => AudioContext;
  /** Starts the decoder worker (the bundler knows where its script is). */
  createDecoder: () => Worker;
  /** URL of the player worklet's module. */
  playerWorkletUrl: string;
  /** Headers for media requests (the API token). */
  mediaHeaders?: () => Record<string, string>;
  /** Reads a whole file for the fallback decoder; `fetch` with the media headers by default. */
  fetchWhole?: (url: string, headers: Record<string, string>) => Promise<ArrayBuffer>;
}

/** A track this device cannot play, and why (in words for the user). */
export interface TrackFailure {
  trackId: string;
  reason: string;
  /** Asking again later will not help (the file itself cannot be decoded). */
  permanent: boolean;
}

/** Options; each has a default. */
export interface AudioEngineInit {
  /** URL of a track's bytes. Default `/media/track/<id>`. */
  trackUrl?: (trackId: string) => string;
  /** URL of a live source's stream. Default `/media/live/<id>`. */
  liveUrl?: (sourceId: string) => string;
  /** Length of volume and channel ramps (ms). */
  rampMs?: number;
  /** How often the player gets a fresh clock line (ms). */
  clockLineMs?: number;
  /** How often `onSyncReport` is called while playing (ms). */
  reportIntervalMs?: number;
  onSyncReport?: (errorMs: number, boundMs: number) => void;
  /** Called once when the current track cannot be played here. */
  onTrackFailed?: (failure: TrackFailure) => void;
  clockMap?: ClockMapInit;
  initialSettings?: Partial<OutputSettings>;
  /** Longest wait for a track's header in `preload` (ms). */
  preloadTimeoutMs?: number;
  /** Waits between tries of a track whose bytes could not be read. */
  retry?: BackoffInit;
}

/** The options with their defaults filled in. */
export interface ResolvedInit {
  trackUrl: (trackId: string) => string;
  liveUrl: (sourceId: string) => string;
  rampSec: number;
  clockLineMs: number;
  reportIntervalMs: number;
  onSyncReport: ((errorMs: number, boundMs: number) => void) | undefined;
  onTrackFailed: ((failure: TrackFailure) => void) | undefined;
  clockMap: ClockMapInit;
  preloadTimeoutMs: number;
  retry: BackoffInit;
}

export function resolveInit(init: AudioEngineInit): ResolvedInit {
  return {
    trackUrl: init.trackUrl ?? ((id) => `/media/track/${encodeURIComponent(id)}`),
    liveUrl: init.liveUrl ?? ((id) => `/media/live/${encodeURIComponent(id)}`),
    rampSec: (init.rampMs ?? 15) / 1000,
    clockLineMs: init.clockLineMs ?? 100,
    reportIntervalMs: init.reportIntervalMs ?? 1000,
    onSyncReport: init.onSyncReport,
    onTrackFailed: init.onTrackFailed,
    clockMap: init.clockMap ?? {},
    preloadTimeoutMs: init.preloadTimeoutMs ?? 30_000,
    retry: init.retry ?? {},
  };
}

/** Fetches a whole file (the fallback decoder's input). */
export async function fetchWhole(url: string, headers: Record<string, string>): Promise<ArrayBuffer> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`HTTP ${response.status} reading the file`);
  return response.arrayBuffer();
}

/** Where a track's or a live source's bytes are, as absolute URLs with the media headers. */
export function mediaLocations(opts: ResolvedInit, components: AudioEngineComponents) {
  const headers = () => components.mediaHeaders?.() ?? {};
  return {
    track: (trackId: string): TrackLocation => ({
      trackId,
      url: new URL(opts.trackUrl(trackId), location.href).href,
      headers: headers(),
    }),
    live: (sourceId: string) => ({
      url: new URL(opts.liveUrl(sourceId), location.href).href,
      headers: headers(),
    }),
  };
}
