import { describe, expect, it } from 'vitest';
import { LogLimiter, logKindOf } from './log-limiter';

describe('LogLimiter', () => {
  it('lets a few lines of one kind through per window, counts the rest, and says how many it left out', () => {
    const clock = { nowMs: 0 };
    const limiter = new LogLimiter({ perKind: 2, windowMs: 1000, now: () => clock.nowMs });
    const written: string[] = [];
    const failure = (n: number) => `chunks: storing ${'ab'.repeat(32)} failed: ENOSPC (${n})`;
    for (let i = 0; i < 100; i++) written.push(...limiter.admit(failure(i)));
    // Another kind is not held back by the flood.
    written.push(...limiter.admit('clock: leading, timeline offset 0.000 ms'));
    expect(written).toEqual([failure(0), failure(1), 'clock: leading, timeline offset 0.000 ms']);
    expect(limiter.suppressed).toBe(98);
    clock.nowMs = 1000;
    expect(limiter.admit(failure(100))).toEqual([
      '(98 more lines like the next were left out of the log)',
      failure(100),
    ]);
  });

  it('takes lines that differ only in ids, numbers and quoted names as one kind', () => {
    expect(logKindOf('fetch "Song A" by X failed after 3 tries: 12D3KooWAbc')).toBe(
      logKindOf('fetch "Other" by X failed after 15 tries: 12D3KooWXyz'),
    );
    expect(logKindOf('clock: leading')).not.toBe(logKindOf('clock: probing failed'));
  });

  it('remembers a bounded number of kinds', () => {
    const limiter = new LogLimiter({ perKind: 1, maxKinds: 2 });
    limiter.admit('kind a');
    limiter.admit('kind b');
    limiter.admit('kind c');
    // "kind a" was forgotten, so it is let through again.
    expect(limiter.admit('kind a')).toEqual(['kind a']);
    expect(limiter.admit('kind c')).toEqual([]);
  });
});
