import { describe, expect, it } from 'vitest';
import {
  LEAD_MARGIN_MS,
  LeadBook,
  MAX_LEAD_MS,
  MIN_LEAD_MS,
  ReadyBook,
  createPendingStart,
  decide,
  holdStart,
  markReady,
  pruneDeparted,
  releaseStart,
} from './barrier';
import { positionAt } from './state';
import { BUILDER_NOW_MS as NOW, aState } from './testing';

const LEAD = 250;
const stamp = { epoch: 1, updatedBy: 'PeerLeader1' };

describe('ready barrier', () => {
  it('needs no wait when every member already has the track decoded', () => {
    const book = new ReadyBook();
    for (const m of ['A', 'B']) book.record(m, 't1');
    expect(createPendingStart('t1', NOW, ['A', 'B'], (m) => book.has(m, 't1'))).toBeNull();
  });

  it('waits for the members that are not ready, until all are', () => {
    const book = new ReadyBook();
    book.record('A', 't1');
    let pending = createPendingStart('t1', NOW, ['A', 'B', 'C', 'B'], (m) => book.has(m, 't1'), 3000);
    expect(pending).toEqual({
      trackId: 't1',
      requestedAtMs: NOW,
      deadlineMs: NOW + 3000,
      waiting: ['B', 'C'],
    });
    if (!pending) return;
    pending = markReady(pending, 'C', 't1');
    expect(decide(pending, NOW + 100)).toBe('wait');
    expect(markReady(pending, 'B', 'other-track')).toBe(pending);
    pending = markReady(pending, 'B', 't1');
    expect(decide(pending, NOW + 200)).toBe('all-ready');
  });

  it('gives up on slow members at the deadline and on departed members at once', () => {
    const pending = createPendingStart('t1', NOW, ['A', 'B'], () => false, 3000);
    if (!pending) throw new Error('expected a pending start');
    expect(decide(pending, NOW + 2999)).toBe('wait');
    expect(decide(pending, NOW + 3000)).toBe('deadline');
    expect(decide(pruneDeparted(pending, ['A']), NOW)).toBe('wait');
    expect(decide(pruneDeparted(pending, []), NOW)).toBe('all-ready');
    expect(pruneDeparted(pending, ['A', 'B', 'C'])).toBe(pending);
  });

  it('holds the start at deadline + lead, then releases it a lead time after everyone is ready', () => {
    const state = aState().playing('t1').build();
    const pending = createPendingStart('t1', NOW, ['A'], () => false, 3000);
    if (!pending) throw new Error('expected a pending start');
    const held = holdStart(state, pending, LEAD);
    expect(held).toMatchObject({
      starting: true,
      version: state.version,
      anchor: { groupTimeMs: NOW + 3000 + LEAD, positionSec: 0 },
    });
    expect(positionAt(held, NOW + 1000)).toBe(0);
    const released = releaseStart(held, NOW + 1200, LEAD, stamp);
    expect(released).toMatchObject({
      starting: false,
      version: state.version + 1,
      anchor: { groupTimeMs: NOW + 1200 + LEAD },
    });
    expect(releaseStart(released, NOW + 1300, LEAD, stamp)).toBe(released);
  });

  it('a release at the deadline keeps the held start time', () => {
    const pending = createPendingStart('t1', NOW, ['A'], () => false, 3000);
    if (!pending) throw new Error('expected a pending start');
    const held = holdStart(aState().playing('t1').build(), pending, LEAD);
    expect(releaseStart(held, NOW + 3000, LEAD, stamp).anchor.groupTimeMs).toBe(NOW + 3000 + LEAD);
  });

  it('the ready book is bounded per member and forgets departed members', () => {
    const book = new ReadyBook(2);
    book.record('A', 't1');
    book.record('A', 't2');
    book.record('A', 't1');
    book.record('A', 't3');
    expect(['t1', 't2', 't3'].map((t) => book.has('A', t))).toEqual([true, false, true]);
    book.record('B', 't1');
    book.retain(['A']);
    expect(book.has('B', 't1')).toBe(false);
    expect(book.has('A', 't3')).toBe(true);
  });
});

describe('lead book', () => {
  it('leads by the largest need plus the margin, within bounds, and by the fallback while a member has not said', () => {
    const book = new LeadBook();
    expect(book.leadFor([], 150)).toBe(150);
    expect(book.leadFor(['a', 'b'], 150)).toBe(150);
    book.record('a', 80);
    expect(book.leadFor(['a', 'b'], 150)).toBe(150);
    book.record('b', 30);
    expect(book.leadFor(['a', 'b'], 150)).toBe(80 + LEAD_MARGIN_MS);
    // A low-latency room still leaves the hops their time; a huge need is capped.
    book.record('a', 0);
    book.record('b', 5);
    expect(book.leadFor(['a', 'b'], 150)).toBe(MIN_LEAD_MS);
    book.record('b', 30);
    book.record('a', 1e6);
    expect(book.leadFor(['a', 'b'], 150)).toBe(MAX_LEAD_MS);
    // Only the members that play count, and those that left are forgotten.
    expect(book.leadFor(['b'], 150)).toBe(30 + LEAD_MARGIN_MS);
    book.retain(['b']);
    expect(book.leadFor(['a', 'b'], 150)).toBe(150);
  });
});
