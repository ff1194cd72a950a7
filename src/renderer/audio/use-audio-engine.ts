/** React access to the engine's fast values, outside the store (they change several times a second). */
import { useSyncExternalStore } from 'react';
import type { AudioEngine } from './engine';
import type { AudioEngineSnapshot } from './engine-state';

/** The engine's current snapshot (status, position, sync error), re-rendering when it changes. */
export function useAudioEngineSnapshot(engine: AudioEngine): AudioEngineSnapshot {
  return useSyncExternalStore(engine.subscribe, engine.getSnapshot);
}
