import type { StateCreator } from 'zustand';
import type { PlayRequest } from '../../shared/bridge/contract';
import { bridge } from '../bridge';

export interface PlaybackSlice {
  playback: {
    /** The last command error, shown to the user until the next command. */
    error: string | null;
    actions: {
      play(request: PlayRequest): Promise<void>;
      pause(): Promise<void>;
      resume(): Promise<void>;
      stop(): Promise<void>;
      next(): Promise<void>;
      prev(): Promise<void>;
      seek(positionSec: number): Promise<void>;
    };
  };
}

/** Playback commands; the resulting state arrives from the host, the renderer never invents it. */
export const createPlaybackSlice: StateCreator<PlaybackSlice, [], [], PlaybackSlice> = (set) => {
  const run = async (command: () => Promise<void>) => {
    try {
      await command();
      set((s) => ({ playback: { ...s.playback, error: null } }));
    } catch (error) {
      set((s) => ({ playback: { ...s.playback, error: error instanceof Error ? error.message : String(error) } }));
    }
  };
  return {
    playback: {
      error: null,
      actions: {
        play: (request) => run(() => bridge().playback.play(request)),
        pause: () => run(() => bridge().playback.pause()),
        resume: () => run(() => bridge().playback.resume()),
        stop: () => run(() => bridge().playback.stop()),
        next: () => run(() => bridge().playback.next()),
        prev: () => run(() => bridge().playback.prev()),
        seek: (positionSec) => run(() => bridge().playback.seek(positionSec)),
      },
    },
  };
};
