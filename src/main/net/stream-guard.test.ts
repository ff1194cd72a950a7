import { describe, expect, it } from 'vitest';
import { StreamGuard } from './stream-guard';

function aGuard(
  init: {
    maxStrikes?: number;
    windowMs?: number;
    benchMs?: number;
    maxBenchMs?: number;
    maxPeers?: number;
  } = {},
) {
  const clock = { nowMs: 0 };
  const guard = new StreamGuard({ ...init, now: () => clock.nowMs });
  return { guard, clock };
}

describe('StreamGuard', () => {
  it('benches a peer after maxStrikes within the window, and only that peer', () => {
    const { guard, clock } = aGuard({ maxStrikes: 3, windowMs: 60_000, benchMs: 30_000 });
    guard.strike('a');
    guard.strike('a');
    expect(guard.admits('a')).toBe(true);
    guard.strike('a');
    expect(guard.admits('a')).toBe(false);
    expect(guard.admits('b')).toBe(true);
    expect(guard.stats()).toEqual({ strikes: 3, benched: 1, refusedStreams: 0, benchedPeers: 1 });
    clock.nowMs = 30_000;
    expect(guard.admits('a')).toBe(true);
    expect(guard.stats().benchedPeers).toBe(0);
  });

  it('forgets strikes older than the window', () => {
    const { guard, clock } = aGuard({ maxStrikes: 3, windowMs: 10_000 });
    guard.strike('a');
    guard.strike('a');
    clock.nowMs = 10_001;
    guard.strike('a');
    expect(guard.admits('a')).toBe(true);
  });

  it('doubles the bench for a peer benched again, up to the maximum', () => {
    const { guard, clock } = aGuard({ maxStrikes: 1, benchMs: 1000, maxBenchMs: 3000 });
    const benchLength = () => {
      const from = clock.nowMs;
      guard.strike('a');
      while (!guard.admits('a')) clock.nowMs += 100;
      return clock.nowMs - from;
    };
    expect([benchLength(), benchLength(), benchLength(), benchLength()]).toEqual([1000, 2000, 3000, 3000]);
  });

  it('keeps at most maxPeers records, dropping the least recently struck', () => {
    const { guard } = aGuard({ maxStrikes: 1, maxPeers: 2 });
    guard.strike('a');
    guard.strike('b');
    guard.strike('c');
    expect(guard.admits('a')).toBe(true);
    expect(guard.admits('b')).toBe(false);
    expect(guard.admits('c')).toBe(false);
  });
});
