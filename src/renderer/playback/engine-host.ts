/**
 * Connects this window's audio to its host peer: the group clock (second hop over the bridge), the audio engine
 * that follows the room's playback state, readiness reports, and this device's output settings.
 */
import type { DeviceSettings } from '../../shared/bridge/contract';
import type { PlaybackState } from '../../shared/playback/state';
import { AudioEngine, GroupClock, installAudioTestHook } from '../audio';
import { bridge, mediaUrl } from '../bridge';
import { useStore } from '../store';
import { setGroupNowSource } from './position';

/** The schedule the engine plays for a room state: the current track and its anchor, or nothing. */
export function scheduleFor(state: PlaybackState | null) {
  if (!state || state.currentIndex === null) return null;
  const trackId = state.queue[state.currentIndex];
  if (!trackId) return null;
  const positionSec = state.paused ? (state.pausedAtSec ?? state.anchor.positionSec) : state.anchor.positionSec;
  return { trackId, anchor: { groupTimeMs: state.anchor.groupTimeMs, positionSec }, paused: state.paused };
}

/** The tracks worth decoding ahead: the current one, then the next in the queue. */
export function tracksToPrepare(state: PlaybackState | null): string[] {
  if (!state || state.currentIndex === null) return [];
  return [state.queue[state.currentIndex], state.queue[state.currentIndex + 1]].filter((id): id is string => !!id);
}

let engine: AudioEngine | null = null;

/** The running engine, for components that show its fast-changing values. */
export function audioEngine(): AudioEngine | null {
  return engine;
}

/** Starts the clock and the engine and keeps them following the store; returns a function that stops them. */
export function startAudio(): () => void {
  const groupClock = new GroupClock({ bridge: bridge() });
  groupClock.start();
  setGroupNowSource(groupClock);
  const settings = useStore.getState().settings.values;
  const audio = new AudioEngine(
    { groupClock },
    {
      trackUrl: (trackId) => mediaUrl('track', trackId),
      onSyncReport: (errorMs, boundMs) => void bridge().playback.report(errorMs, boundMs).catch(() => undefined),
      ...(settings ? { initialSettings: outputOf(settings) } : {}),
    },
  );
  engine = audio;
  const offTestHook = new URLSearchParams(location.search).has('diagnostics') ? installAudioTestHook(audio, groupClock) : () => undefined;
  const reported = new Set<string>();

  const follow = (state: PlaybackState | null) => {
    audio.schedule(scheduleFor(state));
    // Tell the leader once each track is decoded here, so a start need not wait for this device.
    for (const trackId of tracksToPrepare(state)) {
      const key = `${trackId}:${state?.version ?? 0}`;
      if (reported.has(key)) continue;
      reported.add(key);
      audio
        .preload(trackId)
        .then(() => bridge().playback.ready(trackId))
        .catch(() => reported.delete(key));
    }
  };

  void audio.start().then(() => follow(useStore.getState().playback.state));
  // Browsers start audio only after a user gesture unless told otherwise; the first click or key resumes it.
  const resume = () => void audio.resume();
  window.addEventListener('pointerdown', resume);
  window.addEventListener('keydown', resume);

  const unsubscribe = useStore.subscribe((s, previous) => {
    if (s.playback.state !== previous.playback.state) follow(s.playback.state);
    if (s.settings.values && s.settings.values !== previous.settings.values) audio.setSettings(outputOf(s.settings.values));
  });
  return () => {
    unsubscribe();
    window.removeEventListener('pointerdown', resume);
    window.removeEventListener('keydown', resume);
    offTestHook();
    groupClock.stop();
    void audio.stop();
    engine = null;
  };
}

function outputOf(settings: DeviceSettings) {
  return { volume: settings.volume, outputOffsetMs: settings.outputOffsetMs, channel: settings.channel };
}
