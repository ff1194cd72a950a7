/**
 * Tells the host peer what this window's speaker is doing, so every device's Room view can show it
 * ("Kitchen: no sound — needs a click"). Read once a second from what the page can see: whether the
 * room plays, and whether the browser lets this page's AudioContext run.
 */
import type { SpeakerState } from '../../shared/status';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { audioEngine } from './engine-host';

/** What the speaker does, from the room's playback state and the page's audio context. */
export function speakerStateOf(roomPlaying: boolean, context: AudioContextState | null): SpeakerState {
  if (!roomPlaying) return 'idle';
  // A browser without a user gesture keeps the context suspended: the room plays, this page is silent.
  if (context === 'suspended') return 'needs-click';
  return context === 'running' ? 'playing' : 'waiting';
}

/** Reports the speaker's state whenever it changes (and again every 10 s, for a peer that restarted). */
export function startSpeakerReports(): () => void {
  let last = '';
  let lastAt = 0;
  const tick = () => {
    const playback = useStore.getState().playback.state;
    const roomPlaying = !!playback && playback.currentIndex !== null && !playback.paused;
    const state = speakerStateOf(roomPlaying, audioEngine()?.audioContext?.state ?? null);
    if (state === last && Date.now() - lastAt < 10_000) return;
    last = state;
    lastAt = Date.now();
    void bridge()
      .playback.speakerState(state, null)
      .catch(() => undefined);
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}
