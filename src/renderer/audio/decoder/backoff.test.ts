import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the first wait up to the longest, then gives up', () => {
    const backoff = new Backoff();
    const waits: number[] = [];
    for (let wait = backoff.next(); wait !== null; wait = backoff.next()) waits.push(wait);
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(27_750);
    expect(backoff.next()).toBeNull();
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff({ tries: 2, firstMs: 100, maxMs: 150 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 150, null]);
    expect(backoff.count).toBe(2);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
