import { describe, expect, it } from 'vitest';
import { InFlightUnits } from './in-flight';

describe('InFlightUnits', () => {
  it('keeps the bytes in flight as units go out and come back', () => {
    const sizes = [100, 250, 40];
    const inFlight = new InFlightUnits((u) => sizes[u]!);
    expect(inFlight.bytes).toBe(0);
    inFlight.set(0, 'a');
    inFlight.set(1, 'b');
    expect(inFlight.bytes).toBe(350);
    expect(inFlight.size).toBe(2);
    // Asked again of another peer: counted once.
    inFlight.set(1, 'c');
    expect(inFlight.bytes).toBe(350);
    expect([...inFlight.values()]).toEqual(['a', 'c']);
    expect(inFlight.delete(0)).toBe(true);
    expect(inFlight.delete(0)).toBe(false);
    expect(inFlight.delete(2)).toBe(false);
    expect(inFlight.bytes).toBe(250);
    expect([...inFlight.keys()]).toEqual([1]);
    expect(inFlight.has(1)).toBe(true);
    inFlight.delete(1);
    expect(inFlight.bytes).toBe(0);
    expect(inFlight.size).toBe(0);
  });

  it('matches a sum over the units in flight through any order of changes', () => {
    const sizes = Array.from({ length: 50 }, (_, i) => 1000 + ((i * 7919) % 613));
    const inFlight = new InFlightUnits((u) => sizes[u]!);
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (let step = 0; step < 2000; step++) {
      const u = next() % sizes.length;
      if (next() % 2 === 0) inFlight.set(u, `p${next() % 3}`);
      else inFlight.delete(u);
      const summed = [...inFlight.keys()].reduce((sum, unit) => sum + sizes[unit]!, 0);
      expect(inFlight.bytes).toBe(summed);
    }
  });
});
