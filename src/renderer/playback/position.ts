/**
 * Fast-changing playback values (position, sync error) for components, through useSyncExternalStore:
 * they are computed from the store's state and group time on a ticker, never stored in the store.
 */
import { useSyncExternalStore } from 'react';
import { positionAt, type PlaybackState } from '../../shared/playback/state';
import { TypedEventTarget } from '../../shared/events';
import { consoleLogger } from '../console-logger';

/** Where group time comes from in this page. */
export interface GroupNowSource {
  groupNow(): { groupMs: number; errorMs: number } | null;
}

let source: GroupNowSource | null = null;

/** Sets the page's group clock (done once at startup). */
export function setGroupNowSource(next: GroupNowSource): void {
  source = next;
}

/** Group time now (ms) and its error bound per the page's clock, or null before the first estimate. */
export function readGroupNow(): { groupMs: number; errorMs: number } | null {
  return source?.groupNow() ?? null;
}

const TICK_MS = 250;
/** One signal, `position:tick`, for `useSyncExternalStore`. */
const ticks = new TypedEventTarget<{ 'position:tick': undefined }>(
  consoleLogger.forComponent('firefly:position'),
);
let timer: ReturnType<typeof setInterval> | null = null;
/** Group time sampled at the last tick, so every read between ticks sees the same value. */
let sampledGroupMs: number | null = null;

function subscribe(listener: () => void): () => void {
  const off = ticks.on('position:tick', listener);
  sampledGroupMs = source?.groupNow()?.groupMs ?? null;
  timer ??= setInterval(() => {
    sampledGroupMs = source?.groupNow()?.groupMs ?? null;
    ticks.emit('position:tick', undefined);
  }, TICK_MS);
  return () => {
    off();
    if (!ticks.hasListeners() && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The current position (seconds) of a playback state, refreshed four times a second. */
export function usePosition(state: PlaybackState | null): number {
  const getSnapshot = () => {
    if (!state || state.currentIndex === null) return 0;
    if (state.paused) return state.pausedAtSec ?? state.anchor.positionSec;
    // Before the first clock estimate, the anchor's own position is the best guess.
    return sampledGroupMs === null
      ? state.anchor.positionSec
      : Math.max(0, positionAt(state, sampledGroupMs));
  };
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/** The current position (seconds) of a playback state right now, for one-off reads such as a seek shortcut. */
export function currentPositionSec(state: PlaybackState | null): number {
  if (!state || state.currentIndex === null) return 0;
  if (state.paused) return state.pausedAtSec ?? state.anchor.positionSec;
  const now = readGroupNow();
  return now === null ? state.anchor.positionSec : Math.max(0, positionAt(state, now.groupMs));
}
