/**
 * This window's capture (one at a time), outside React so that it keeps running while the user moves
 * between views; components read it through `useWindowCapture`.
 */
import { useSyncExternalStore } from 'react';
import { audioEngine } from '../playback/engine-host';
import { CaptureSession, type CaptureStart } from './capture-session';
import { TypedEventTarget } from '../../shared/events';
import { consoleLogger } from '../console-logger';

/** What the capture controls show. */
export interface WindowCaptureState {
  session: CaptureSession | null;
  starting: boolean;
  /** Why the last capture failed or ended by itself. */
  error: string | null;
}

let state: WindowCaptureState = { session: null, starting: false, error: null };
/** One signal, `capture:changed`, for `useSyncExternalStore`. */
const changes = new TypedEventTarget<{ 'capture:changed': undefined }>(
  consoleLogger.forComponent('firefly:capture'),
);

function set(patch: Partial<WindowCaptureState>): void {
  state = { ...state, ...patch };
  changes.emit('capture:changed', undefined);
}

const subscribe = (listener: () => void) => changes.on('capture:changed', listener);

/** This window's capture, re-rendering when it starts, stops or fails. */
export const useWindowCapture = (): WindowCaptureState => useSyncExternalStore(subscribe, () => state);

// Tests and diagnostics (`?diagnostics`) read the capture's counts.
if (typeof location !== 'undefined' && new URLSearchParams(location.search).has('diagnostics'))
  (window as unknown as { __fireflyCapture: () => unknown }).__fireflyCapture = () =>
    state.session?.counts ?? null;

/** Starts capturing (stopping any capture this window runs). */
export async function startWindowCapture(options: Omit<CaptureStart, 'groupNow' | 'onEnded'>): Promise<void> {
  await stopWindowCapture();
  set({ starting: true, error: null });
  try {
    const session = await CaptureSession.start({
      ...options,
      groupNow: () => audioEngine()?.groupTimeNow() ?? null,
      onEnded: (reason) => {
        if (state.session === session) set({ session: null, error: reason });
      },
    });
    set({ session, starting: false });
  } catch (error) {
    set({ starting: false, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Stops this window's capture, if any. */
export async function stopWindowCapture(): Promise<void> {
  const session = state.session;
  if (!session) return;
  set({ session: null });
  await session.stop();
}
