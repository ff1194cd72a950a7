import { describe, expect, it } from 'vitest';
import { FrameQueue } from './frame-queue';
import type { ClockLine, PlacedSegment } from './segment';
import { blockStart, startFrame, type BlockStartInput } from './segment-start';

const RATE = 48_000;
const BLOCK = 128;
/** Context frame 0 is heard at group time 1 000 000 ms, the device on the group's time. */
const line: ClockLine = { contextFrame: 0, groupMs: 1_000_000, msPerFrame: 1000 / RATE };
/** Track frame 0 is heard at context frame `atFrame`. */
const segmentAt = (atFrame: number): PlacedSegment => ({
  generation: 1,
  trackId: 't',
  anchorGroupMs: 1_000_000 + (atFrame * 1000) / RATE,
  anchorFrame: 0,
});

function anInput(segment: PlacedSegment, decoded: [number, number] | null, endFrame: number | null = null) {
  const queue = new FrameQueue(RATE);
  queue.reset(1);
  if (decoded) {
    const [from, to] = decoded;
    queue.push({ type: 'pcm', generation: 1, startFrame: from, data: new Float32Array((to - from) * 2) });
  }
  if (endFrame !== null) queue.end(1, endFrame);
  const input: BlockStartInput = { segment, line, queue, stopAtGroupMs: null, sampleRate: RATE };
  return input;
}

describe('blockStart', () => {
  it('starts mid-block at the output frame its anchor is heard at', () => {
    expect(blockStart(anInput(segmentAt(40), [0, 1000]), 0, 0, BLOCK)).toEqual({
      kind: 'start',
      at: 40,
      head: 0,
      ratio: 1,
    });
  });

  it('waits for a block it is due in', () => {
    expect(blockStart(anInput(segmentAt(500), [0, 1000]), 0, 0, BLOCK)).toEqual({ kind: 'later' });
  });

  it('joins late at the frame the timeline is at, or reports it starved when that frame is missing', () => {
    const late = blockStart(anInput(segmentAt(-300), [0, 1000]), 0, 10, BLOCK);
    expect(late).toMatchObject({ kind: 'start', at: 10 });
    expect(late.kind === 'start' && late.head).toBeCloseTo(310, 6);
    expect(blockStart(anInput(segmentAt(-300), [0, 200]), 0, 10, BLOCK)).toEqual({ kind: 'starved', at: 10 });
  });

  it('ends at once when the timeline is past the track’s end, and stops when the stop comes first', () => {
    expect(blockStart(anInput(segmentAt(-2000), [0, 1000], 1000), 0, 0, BLOCK)).toMatchObject({
      kind: 'ended',
      at: 0,
    });
    const input = { ...anInput(segmentAt(40), [0, 1000]), stopAtGroupMs: 1_000_000 + 20_000 / RATE };
    expect(blockStart(input, 0, 0, BLOCK)).toEqual({ kind: 'stopped' });
  });
});

describe('startFrame', () => {
  it('is the anchor frame without a clock line, else where the timeline is (never below 0)', () => {
    expect(startFrame({ ...segmentAt(0), anchorFrame: 4800.7 }, null, 0, RATE)).toBe(4800);
    expect(startFrame(segmentAt(-300), line, 0, RATE)).toBe(300);
    expect(startFrame(segmentAt(300), line, 0, RATE)).toBe(0);
  });
});
