/**
 * Tells the host peer what this window's speaker is actually doing, so every device's Room view can
 * show it ("Kitchen: no sound — needs a click", "Cannot play: This file could not be decoded: …").
 * Read once a second from what the page can see: whether the room plays, whether the browser lets
 * this page's AudioContext run, and what the engine says of the current track.
 */
import type { SpeakerState } from '../../shared/status';
import type { AudioEngineSnapshot } from '../audio';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { audioEngine } from './engine-host';

/** A speaker's state and, where it helps, its detail in words. */
export interface SpeakerReading {
  state: SpeakerState;
  detail: string | null;
}

/** What the speaker does, from the room's playback state, the page's audio context and the engine. */
export function speakerStateOf(
  roomPlaying: boolean,
  context: AudioContextState | null,
  engine: Pick<AudioEngineSnapshot, 'status' | 'error'> | null = null,
): SpeakerReading {
  if (!roomPlaying) return { state: 'idle', detail: null };
  // A browser without a user gesture keeps the context suspended: the room plays, this page is silent.
  if (context === 'suspended') return { state: 'needs-click', detail: null };
  if (engine?.status === 'error') return { state: 'failed', detail: engine.error };
  if (context !== 'running') return { state: 'waiting', detail: 'starting its audio output' };
  switch (engine?.status) {
    case 'playing':
      return { state: 'playing', detail: null };
    case 'decoding':
      return { state: 'decoding', detail: 'decoding the whole file (a format the stream decoder lacks)' };
    case 'waiting':
      return { state: 'waiting', detail: 'ready, waiting for its start' };
    default:
      return { state: 'waiting', detail: 'waiting for data' };
  }
}

/** This window's speaker now. */
export function currentSpeakerState(): SpeakerReading {
  const playback = useStore.getState().playback.state;
  const roomPlaying = !!playback && playback.currentIndex !== null && !playback.paused;
  const engine = audioEngine();
  return speakerStateOf(roomPlaying, engine?.audioContext?.state ?? null, engine?.getSnapshot() ?? null);
}

/** Reports the speaker's state whenever it changes (and again every 10 s, for a peer that restarted). */
export function startSpeakerReports(): () => void {
  let last = '';
  let lastAt = 0;
  const tick = () => {
    const { state, detail } = currentSpeakerState();
    const key = `${state}:${detail ?? ''}`;
    if (key === last && Date.now() - lastAt < 10_000) return;
    last = key;
    lastAt = Date.now();
    void bridge()
      .playback.speakerState(state, detail?.slice(0, 300) ?? null)
      .catch(() => undefined);
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}
