import { describe, expect, it } from 'vitest';
import { LinkWindow } from './link-window';

const KiB = 1024;

/** Feeds `window` replies of `unit` bytes arriving back to back at `bytesPerMs`, `count` of them, from `fromMs`. */
function deliver(window: LinkWindow, unit: number, bytesPerMs: number, count: number, fromMs = 0): number {
  let now = fromMs;
  for (let i = 0; i < count; i++) {
    window.sent(unit);
    now += unit / bytesPerMs;
    window.delivered(unit, fromMs, now);
  }
  return now;
}

describe('LinkWindow', () => {
  it('allows one request of any size when nothing is in flight, and no more than its floor before a measurement', () => {
    const window = new LinkWindow({ minBytes: 256 * KiB });
    expect(window.rateBytesPerSec).toBeNull();
    expect(window.allows(1024 * KiB)).toBe(true);
    window.sent(200 * KiB);
    expect(window.allows(56 * KiB)).toBe(true);
    expect(window.allows(57 * KiB)).toBe(false);
  });

  it('keeps about the target delay of a slow link in flight: 4 MB/s and 40 ms is 160 kB', () => {
    const window = new LinkWindow({ targetDelayMs: 40, minBytes: 64 * KiB });
    deliver(window, 64 * KiB, 4_000, 20);
    expect(window.rateBytesPerSec).toBeCloseTo(4_000_000, -4);
    expect(window.limitBytes()).toBeCloseTo(160_000, -3);
  });

  it('does not bind on a fast link', () => {
    const window = new LinkWindow({ targetDelayMs: 40 });
    deliver(window, 256 * KiB, 150_000, 40);
    expect(window.limitBytes()).toBeGreaterThan(5_000_000);
  });

  it('measures a link that carries one reply at a time, and leaves its idle gaps out', () => {
    const window = new LinkWindow({ sampleMs: 20 });
    let now = 0;
    for (let i = 0; i < 10; i++) {
      // Each request alone: 64 KiB in 8 ms, then 100 ms with nothing asked.
      window.sent(64 * KiB);
      window.delivered(64 * KiB, now, now + 8);
      now += 108;
    }
    expect(window.rateBytesPerSec! / 1000).toBeCloseTo((64 * KiB) / 8, -2);
  });

  it('follows the highest recent rate, so a stretch that asked for less than the link carries does not shrink it', () => {
    const window = new LinkWindow({ samples: 4, sampleMs: 20 });
    const fast = deliver(window, 64 * KiB, 4_000, 10);
    deliver(window, 64 * KiB, 1_000, 2, fast);
    expect(window.rateBytesPerSec).toBeCloseTo(4_000_000, -4);
    // Older measurements age out: a link that became slower is followed within a few of them.
    deliver(window, 64 * KiB, 1_000, 8, fast + 200);
    expect(window.rateBytesPerSec).toBeCloseTo(1_000_000, -4);
  });

  it('frees what is given up', () => {
    const window = new LinkWindow({ minBytes: 100 });
    window.sent(80);
    window.dropped(80);
    expect(window.inFlightBytes).toBe(0);
    window.dropped(10);
    expect(window.inFlightBytes).toBe(0);
  });
});
