import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeSignals } from './change-signals';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function signals(running = true) {
  const emitted = { status: 0, library: 0 };
  const state = { running };
  const changes = new ChangeSignals({
    running: () => state.running,
    emitStatus: () => emitted.status++,
    emitLibrary: () => emitted.library++,
  });
  return { changes, emitted, state };
}

describe('ChangeSignals', () => {
  it('emits one status event for many changes within 100 ms', () => {
    const { changes, emitted } = signals();
    for (let i = 0; i < 10; i++) changes.statusChanged();
    vi.advanceTimersByTime(99);
    expect(emitted.status).toBe(0);
    vi.advanceTimersByTime(1);
    expect(emitted.status).toBe(1);
    changes.statusChanged();
    vi.advanceTimersByTime(100);
    expect(emitted.status).toBe(2);
  });

  it('a library change emits the library after 250 ms and the status too', () => {
    const { changes, emitted } = signals();
    changes.libraryChanged();
    changes.libraryChanged();
    vi.advanceTimersByTime(250);
    expect(emitted).toEqual({ status: 1, library: 1 });
  });

  it('emits nothing while the peer does not run, nor when it stopped before the delay', () => {
    const stopped = signals(false);
    stopped.changes.libraryChanged();
    vi.advanceTimersByTime(1000);
    expect(stopped.emitted).toEqual({ status: 0, library: 0 });
    const stopping = signals(true);
    stopping.changes.libraryChanged();
    stopping.state.running = false;
    vi.advanceTimersByTime(1000);
    expect(stopping.emitted).toEqual({ status: 0, library: 0 });
  });
});
