/**
 * Connects this window's audio to its host peer: the group clock (second hop over the bridge), the audio engine
 * that follows the room's playback state, readiness reports, and this device's output settings.
 */
import type { RoomTrack, SettingsView } from '../../shared/bridge/payloads';
import { albumTracksOf, trackGainDb } from '../../shared/playback/loudness';
import { validNext } from '../../shared/playback/next';
import { nextIndex, type PlaybackState } from '../../shared/playback/state';
import {
  AudioEngine,
  GroupClock,
  TrackLoadError,
  installAudioTestHook,
  type PlaybackSchedule,
} from '../audio';
import { streamAssets } from '../audio/stream-assets';
import { bridge, hostIsLocal, mediaUrl } from '../bridge';
import { authHeaders } from '../bridge/auth';
import { useStore } from '../store';
import { setGroupNowSource } from './position';

/** The schedule the engine plays for a room state: the current track (and the one placed after it) or live source and its anchor, or nothing. */
export function scheduleFor(state: PlaybackState | null): PlaybackSchedule | null {
  if (state?.source) {
    // A live source: its frames are stamped in group time, frame 0 at the anchor; a pause stops it.
    return {
      trackId: state.source.sourceId,
      anchor: { groupTimeMs: state.anchor.groupTimeMs, positionSec: 0 },
      paused: state.paused,
      live: true,
    };
  }
  if (!state || state.currentIndex === null) return null;
  const trackId = state.queue[state.currentIndex];
  if (!trackId) return null;
  const positionSec = state.paused
    ? (state.pausedAtSec ?? state.anchor.positionSec)
    : state.anchor.positionSec;
  const anchor = { groupTimeMs: state.anchor.groupTimeMs, positionSec };
  // The track placed after this one (gapless or crossfaded), which the engine prepares ahead.
  const next = state.paused ? null : validNext(state);
  return {
    trackId,
    anchor,
    paused: state.paused,
    ...(state.starting && !state.paused ? { held: true } : {}),
    ...(next
      ? { next: { trackId: next.trackId, anchor: { ...next.anchor }, overlapSec: next.overlapSec } }
      : {}),
  };
}

/**
 * The schedule with the room's loudness normalisation (`trackGainDb`) for its track and for the track
 * placed next, from what the room knows of them (nothing known: no gain).
 */
export function withGain(
  schedule: PlaybackSchedule | null,
  state: PlaybackState | null,
  tracks: readonly RoomTrack[],
): PlaybackSchedule | null {
  if (!schedule || !state || schedule.live) return schedule;
  const gainOf = (trackId: string): { gainDb?: number } => {
    const track = tracks.find((t) => t.trackId === trackId);
    return track ? { gainDb: trackGainDb(track, albumTracksOf(track, tracks), state) } : {};
  };
  const next = schedule.next;
  return {
    ...schedule,
    ...gainOf(schedule.trackId),
    ...(next ? { next: { ...next, ...gainOf(next.trackId) } } : {}),
  };
}

/**
 * How long after the current track is ready the next one is read ahead (ms). Reading ahead is now
 * its header and first seconds only, so it need not wait long for the current track's start.
 */
export const NEXT_TRACK_DELAY_MS = 2000;

/** The tracks worth decoding ahead: the current one, then the one that follows it (by the repeat mode). */
export function tracksToPrepare(state: PlaybackState | null): string[] {
  if (!state || state.currentIndex === null) return [];
  const next = nextIndex(state);
  const ids = [state.queue[state.currentIndex], next === null ? undefined : state.queue[next]];
  return [...new Set(ids.filter((id): id is string => !!id))];
}

/** What the preparer needs: decode a track here, and tell the leader it is ready. */
export interface PreparerDeps {
  preload(trackId: string): Promise<void>;
  ready(trackId: string): Promise<unknown>;
  /** Tells the room this device cannot play `trackId`, and why. */
  unplayable?(trackId: string, reason: string): Promise<unknown>;
  /** Time after the current track is ready before the next is decoded (ms). */
  nextDelayMs?: number;
  /**
   * Whether this device plays `trackId` now. A track that sounds here is ready without a probe: at a
   * gapless change of track the state naming it comes just after the player moved on to it, and probing it
   * then decoded its head a second time beside the decode that plays it, at the change itself (a 122 ms
   * probe, and a render underrun of 42.7 ms heard as a break, in a CI take of the gapless MP3 test).
   */
  sounding?(trackId: string): boolean;
}

/**
 * Tells the leader once each track is decoded here, so a start need not wait for this device: the current
 * track first, the next one `nextDelayMs` after it, since a decode loads the machine and can move the audio
 * output of a track that is just starting. Once per track and state version (the release of a held start
 * is the held state's: the leader knows already); a failure is retried with the next state.
 */
export function createPreparer(deps: PreparerDeps): {
  follow(state: PlaybackState | null): void;
  stop(): void;
} {
  const delayMs = deps.nextDelayMs ?? NEXT_TRACK_DELAY_MS;
  const reported = new Set<string>();
  let nextTimer: ReturnType<typeof setTimeout> | null = null;
  let nextKey: string | null = null;

  const prepare = async (trackId: string, version: number): Promise<void> => {
    const key = `${trackId}:${version}`;
    if (reported.has(key)) return;
    reported.add(key);
    try {
      if (!deps.sounding?.(trackId)) await deps.preload(trackId);
    } catch (error) {
      if (error instanceof TrackLoadError && !error.transient) {
        // It will not get better by asking again: the room hears why, and skips it if no speaker can play it.
        await deps.unplayable?.(trackId, error.message).catch(() => undefined);
      } else {
        reported.delete(key);
      }
      return;
    }
    try {
      await deps.ready(trackId);
    } catch {
      reported.delete(key);
    }
  };
  const cancelNext = () => {
    if (nextTimer) clearTimeout(nextTimer);
    nextTimer = null;
  };

  /** The start the leader holds, and the version the track was got ready for. */
  let held: { trackId: string; index: number | null; positionSec: number; version: number } | null = null;

  return {
    follow(state) {
      const [current, next] = tracksToPrepare(state);
      let version = state?.version ?? 0;
      // The leader released the start it held: the track was got ready (and reported) for the held state, and
      // getting it ready again would only load the page and its decoder while its start decodes.
      if (held && isRelease(held, state)) version = held.version;
      held =
        state?.starting && current
          ? { trackId: current, index: state.currentIndex, positionSec: state.anchor.positionSec, version }
          : null;
      const key = next ? `${next}:${version}` : null;
      if (key === nextKey) {
        // The same state again (it is republished): the next track is already on its way.
        if (current) void prepare(current, version);
        return;
      }
      cancelNext();
      nextKey = key;
      if (!current) return;
      void prepare(current, version).then(() => {
        if (!next || nextKey !== key) return;
        nextTimer = setTimeout(() => void prepare(next, version), delayMs);
      });
    },
    stop: cancelNext,
  };
}

/** Whether `state` starts the held start `held`: the same track at the same place, no longer held. */
function isRelease(
  held: { trackId: string; index: number | null; positionSec: number },
  state: PlaybackState | null,
): boolean {
  if (!state || state.starting || state.paused || state.currentIndex !== held.index) return false;
  return state.queue[held.index ?? -1] === held.trackId && state.anchor.positionSec === held.positionSec;
}

let engine: AudioEngine | null = null;

/** The running engine, for components that show its fast-changing values. */
export function audioEngine(): AudioEngine | null {
  return engine;
}

/** Starts the clock and the engine and keeps them following the store; returns a function that stops them. */
export function startAudio(): () => void {
  const groupClock = new GroupClock(
    { bridge: bridge() },
    // A page that is not cross-origin isolated reads performance.now() coarsened to 0.1 ms.
    { sameMachine: hostIsLocal(), sameClockSlackMs: globalThis.crossOriginIsolated ? 0.02 : 0.1 },
  );
  groupClock.start();
  setGroupNowSource(groupClock);
  const settings = useStore.getState().settings.values;
  const audio = new AudioEngine(
    { groupClock, ...streamAssets, mediaHeaders: authHeaders },
    {
      trackUrl: (trackId) => mediaUrl('track', trackId),
      liveUrl: (sourceId) => mediaUrl('live', sourceId),
      onTrackFailed: ({ trackId, reason }) =>
        void bridge()
          .playback.unplayable(trackId, reason.slice(0, 300))
          .catch(() => undefined),
      onSyncReport: (errorMs, boundMs) =>
        void bridge()
          .playback.report(errorMs, boundMs)
          .catch(() => undefined),
      ...(settings ? { initialSettings: outputOf(settings) } : {}),
    },
  );
  engine = audio;
  const offTestHook = new URLSearchParams(location.search).has('diagnostics')
    ? installAudioTestHook(audio, groupClock)
    : () => undefined;
  const preparer = createPreparer({
    preload: (trackId) => audio.preload(trackId),
    sounding: (trackId) => audio.sounds(trackId),
    ready: (trackId) => bridge().playback.ready(trackId, audio.startNeedMs() ?? undefined),
    unplayable: (trackId, reason) => bridge().playback.unplayable(trackId, reason.slice(0, 300)),
  });
  const follow = (state: PlaybackState | null) => {
    audio.schedule(withGain(scheduleFor(state), state, useStore.getState().library.tracks));
    preparer.follow(state);
  };

  void audio.start().then(() => follow(useStore.getState().playback.state));
  // Browsers start audio only after a user gesture unless told otherwise; the first click or key resumes it.
  const resume = () => void audio.resume();
  window.addEventListener('pointerdown', resume);
  window.addEventListener('keydown', resume);

  const unsubscribe = useStore.subscribe((s, previous) => {
    // A new state, or loudness readings that arrived for the tracks (the gain follows them).
    if (s.playback.state !== previous.playback.state || s.library.tracks !== previous.library.tracks)
      follow(s.playback.state);
    if (s.settings.values && s.settings.values !== previous.settings.values)
      audio.setSettings(outputOf(s.settings.values));
  });
  return () => {
    unsubscribe();
    window.removeEventListener('pointerdown', resume);
    window.removeEventListener('keydown', resume);
    offTestHook();
    preparer.stop();
    groupClock.stop();
    void audio.stop();
    engine = null;
  };
}

function outputOf(settings: SettingsView) {
  // Muted is volume 0 at the output; the volume setting stays, to return to on unmute.
  return {
    volume: settings.muted ? 0 : settings.volume,
    outputOffsetMs: settings.outputOffsetMs,
    channel: settings.channel,
  };
}
