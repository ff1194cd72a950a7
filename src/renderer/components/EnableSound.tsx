import { useEffect, useState } from 'react';
import { audioEngine } from '../playback/engine-host';
import { speakerStateOf } from '../playback/speaker-report';
import { usePlaybackState } from '../store';

/**
 * "Click to enable sound": a browser that allows no audio before a user gesture keeps this page
 * silent while the room plays. Say so, with the one click that fixes it.
 */
export function EnableSound() {
  const state = usePlaybackState();
  const roomPlaying = !!state && state.currentIndex !== null && !state.paused;
  const [context, setContext] = useState<AudioContextState | null>(null);
  useEffect(() => {
    const read = () => setContext(audioEngine()?.audioContext?.state ?? null);
    read();
    const timer = setInterval(read, 500);
    return () => clearInterval(timer);
  }, []);
  if (speakerStateOf(roomPlaying, context).state !== 'needs-click') return null;
  return (
    <div role="alert" className="banner banner-warn" data-testid="enable-sound">
      <p>
        The room is playing, but this browser keeps this page silent until you click.{' '}
        <button
          type="button"
          className="button primary"
          onClick={() =>
            void audioEngine()
              ?.resume()
              .then(() => setContext(audioEngine()?.audioContext?.state ?? null))
          }
        >
          Enable sound
        </button>
      </p>
    </div>
  );
}
