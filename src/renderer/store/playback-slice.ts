import type { StateCreator } from 'zustand';
import type { PlayRequest } from '../../shared/bridge/payloads';
import type { PlaybackState, RepeatMode } from '../../shared/playback/state';
import type { LoudnessChange } from '../../shared/playback/room-sound';
import { bridge } from '../bridge';

export interface PlaybackSlice {
  playback: {
    /** The room's playback state as the host peer last announced it. */
    state: PlaybackState | null;
    /** The last command error, shown to the user until the next command. */
    error: string | null;
    actions: {
      load(): Promise<void>;
      setState(state: PlaybackState): void;
      play(request: PlayRequest): Promise<void>;
      pause(): Promise<void>;
      resume(): Promise<void>;
      stop(): Promise<void>;
      next(): Promise<void>;
      prev(): Promise<void>;
      seek(positionSec: number): Promise<void>;
      enqueue(trackIds: string[]): Promise<void>;
      remove(index: number): Promise<void>;
      move(from: number, to: number): Promise<void>;
      clear(): Promise<void>;
      /** Replaces the queue (an album, a playlist), playing `playIndex` when given. */
      replace(trackIds: string[], playIndex?: number): Promise<void>;
      shuffle(on: boolean): Promise<void>;
      repeat(mode: RepeatMode): Promise<void>;
      /** The room's crossfade, seconds (0 = off). */
      crossfade(sec: number): Promise<void>;
      /** The room's loudness normalisation. */
      loudness(change: LoudnessChange): Promise<void>;
    };
  };
}

/** Playback state mirrored from the host, and the commands that ask the leader to change it. */
export const createPlaybackSlice: StateCreator<PlaybackSlice, [], [], PlaybackSlice> = (set) => {
  const run = async (command: () => Promise<void>) => {
    try {
      await command();
      set((s) => ({ playback: { ...s.playback, error: null } }));
    } catch (error) {
      set((s) => ({
        playback: { ...s.playback, error: error instanceof Error ? error.message : String(error) },
      }));
    }
  };
  return {
    playback: {
      state: null,
      error: null,
      actions: {
        async load() {
          const state = await bridge().playback.state();
          set((s) => ({ playback: { ...s.playback, state } }));
        },
        setState(state) {
          set((s) => {
            const current = s.playback.state;
            // Only newer states replace the mirror (a reconnect may replay an older one).
            if (
              current &&
              (current.epoch > state.epoch ||
                (current.epoch === state.epoch && current.version > state.version))
            )
              return s;
            return { playback: { ...s.playback, state } };
          });
        },
        play: (request) => run(() => bridge().playback.play(request)),
        pause: () => run(() => bridge().playback.pause()),
        resume: () => run(() => bridge().playback.resume()),
        stop: () => run(() => bridge().playback.stop()),
        next: () => run(() => bridge().playback.next()),
        prev: () => run(() => bridge().playback.prev()),
        seek: (positionSec) => run(() => bridge().playback.seek(positionSec)),
        enqueue: (trackIds) => run(() => bridge().queue.enqueue(trackIds)),
        remove: (index) => run(() => bridge().queue.remove(index)),
        move: (from, to) => run(() => bridge().queue.move(from, to)),
        clear: () => run(() => bridge().queue.clear()),
        replace: (trackIds, playIndex) => run(() => bridge().queue.replace(trackIds, playIndex)),
        shuffle: (on) => run(() => bridge().playback.shuffle(on)),
        repeat: (mode) => run(() => bridge().playback.repeat(mode)),
        crossfade: (sec) => run(() => bridge().playback.crossfade(sec)),
        loudness: (change) => run(() => bridge().playback.loudness(change)),
      },
    },
  };
};
