import { describe, expect, it } from 'vitest';
import { describeBlocks, readingBlocks } from './readings';

describe('readingBlocks', () => {
  // Readings every 40 ms for 2 s whose offset steps by -8 ms at 1 s, performance time 1000 ms at the anchor.
  const raw: [number, number][] = [];
  for (let perf = 1000; perf < 3000; perf += 40) {
    const offset = perf < 2000 ? -500 : -508;
    raw.push([perf, (perf + offset) / 1000]);
  }
  const toAnchorSec = (perf: number) => (perf - 1000) / 1000;

  it('groups readings by block with their median, spread and range relative to the reference', () => {
    const blocks = readingBlocks(raw, toAnchorSec, {
      blockSec: 0.5,
      fromSec: 0,
      toSec: 2,
      referenceMs: -500,
    });
    expect(blocks.map((b) => b.fromSec)).toEqual([0, 0.5, 1, 1.5]);
    expect(blocks.map((b) => Math.round(b.medianMs * 1000) / 1000)).toEqual([0, 0, -8, -8]);
    expect(blocks.every((b) => b.madMs < 1e-9 && b.count >= 12)).toBe(true);
  });

  it('shows a block that straddles a step by its range, and leaves out readings outside the span', () => {
    const blocks = readingBlocks(raw, toAnchorSec, { blockSec: 1, fromSec: 0.5, toSec: 1.5 });
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.minMs).toBeCloseTo(-8, 6);
    expect(blocks[0]!.maxMs).toBeCloseTo(0, 6);
    expect(describeBlocks(blocks)).toMatch(/^0\.5: -?\d+\.\d\d ±\d+\.\d\d \[-8\.00 0\.00\]$/);
  });

  it('returns nothing for no readings', () => {
    expect(readingBlocks([], toAnchorSec, { blockSec: 1, fromSec: 0, toSec: 2 })).toEqual([]);
  });
});
