import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GroupTimeSource } from './group-clock';
import type { PlacedSegment } from './player/segment';
import { SignalOverride, type OverrideKind } from './signal-override';
import type { TrackFeed } from './track-feed';

/** An override over a group clock `offsetMs` ahead of performance time (null: no estimate yet). */
function setup(offsetMs: number | null) {
  const groupClock: GroupTimeSource = {
    performanceToGroup: (ms) =>
      offsetMs === null ? null : { groupMs: ms + offsetMs, errorMs: 0, hostSynced: true },
    groupToPerformance: (ms) => (offsetMs === null ? null : ms - offsetMs),
    ready: () => Promise.resolve(),
  };
  const calls: string[] = [];
  const feed = {
    startClicks: (generation: number, segment: PlacedSegment) =>
      calls.push(`clicks ${generation} ${segment.anchorGroupMs}`),
    startSweeps: (generation: number, segment: PlacedSegment, startsSec: readonly number[]) =>
      calls.push(`sweeps ${generation} ${segment.anchorGroupMs} ${startsSec.join(',')}`),
  } as unknown as TrackFeed;
  let generation = 0;
  const override = new SignalOverride({
    groupClock: () => groupClock,
    ready: () => (calls.push('ready'), Promise.resolve()),
    play: (kind: OverrideKind, anchorGroupMs: number) => {
      calls.push(`play ${kind} ${anchorGroupMs}`);
      return { generation: ++generation, trackId: kind, anchorGroupMs, anchorFrame: 0 };
    },
    feed: () => feed,
    backToRoom: () => calls.push('room'),
  });
  return { override, calls };
}

afterEach(() => vi.useRealTimers());

describe('SignalOverride', () => {
  it('starts the clicks on the next whole second of group time but one, and goes back to the room once', async () => {
    const { override, calls } = setup(1_000_000 - performance.now() + 300);
    await override.playClicks(true);
    expect(override.kind).toBe('clicks');
    expect(calls).toEqual(['ready', 'play clicks 1002000', 'clicks 1 1002000']);
    await override.playClicks(false);
    await override.playClicks(false);
    expect(override.kind).toBeNull();
    expect(calls.slice(3)).toEqual(['ready', 'room', 'ready']);
  });

  it('rejects the clicks before the group clock has an estimate, playing nothing', async () => {
    const { override, calls } = setup(null);
    await expect(override.playClicks(true)).rejects.toThrow(/no group time yet/);
    expect(override.kind).toBeNull();
    expect(calls).toEqual(['ready']);
  });

  it('plays the test signals from the plan and goes back to the room after their end and some', async () => {
    vi.useFakeTimers();
    const { override, calls } = setup(0);
    const start = performance.now() + 1000;
    await override.playTestSignal({
      startGroupMs: start,
      endGroupMs: start + 4000,
      atGroupMs: [start, start + 2000],
    });
    expect(override.kind).toBe('signal');
    expect(calls).toEqual(['ready', `play signal ${start}`, `sweeps 1 ${start} 0,2`]);
    await vi.advanceTimersByTimeAsync(5000 + 400);
    expect(calls).not.toContain('room');
    await vi.advanceTimersByTimeAsync(200);
    expect(calls.at(-1)).toBe('room');
    expect(override.kind).toBeNull();
  });

  it('forgets a pending return to the room when cleared or when another signal starts', async () => {
    vi.useFakeTimers();
    const { override, calls } = setup(0);
    const plan = { startGroupMs: 0, endGroupMs: 1000, atGroupMs: [0] };
    await override.playTestSignal(plan);
    override.clear();
    await override.playTestSignal(plan);
    await override.playClicks(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).not.toContain('room');
    expect(override.kind).toBe('clicks');
  });
});
