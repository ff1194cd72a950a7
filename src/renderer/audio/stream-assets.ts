/// <reference types="vite/client" />
/**
 * Where the app's bundler put the streaming engine's decoder worker and player worklet (Vite builds
 * each as a script of its own). Only the Vite-built app imports this; the acoustic harness, bundled
 * by esbuild, serves its own copies.
 */
import DecoderWorker from './decoder/decoder-worker?worker';
import playerWorkletUrl from './player/player-worklet?worker&url';

/** The engine components that load code of their own. */
export const streamAssets = {
  createDecoder: (): Worker => new DecoderWorker({ name: 'firefly-decoder' }),
  playerWorkletUrl,
};
