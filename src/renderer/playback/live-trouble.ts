/**
 * What is wrong with the live stream this window plays (the source stalled, the stream reconnects),
 * for Now Playing, from the audio engine through useSyncExternalStore.
 */
import { useSyncExternalStore } from 'react';
import { audioEngine } from './engine-host';

function subscribe(onChange: () => void): () => void {
  const engine = audioEngine();
  if (engine) return engine.subscribe(onChange);
  // The engine starts after the first render: look again until it is there.
  const timer = setInterval(onChange, 1000);
  return () => clearInterval(timer);
}

const read = (): string | null => audioEngine()?.getSnapshot().liveTrouble ?? null;

/** The live stream's trouble in words, or null while it plays well (or no live source plays). */
export function useLiveTrouble(): string | null {
  return useSyncExternalStore(subscribe, read, read);
}
