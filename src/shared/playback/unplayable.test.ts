import { describe, expect, it } from 'vitest';
import { UnplayableBook, skipReason } from './unplayable';

describe('unplayable tracks', () => {
  it('are skipped when a speaker cannot play them and none is ready, with the first reason given', () => {
    const book = new UnplayableBook();
    const members = ['a', 'b'];
    expect(skipReason(book, 't', members, () => false)).toBeNull();
    book.record('b', 't', 'This file could not be decoded: EncodingError');
    book.record('a', 't', 'The track could not be fetched: HTTP 500');
    expect(skipReason(book, 't', members, () => false)).toBe('The track could not be fetched: HTTP 500');
    // One speaker that can play it keeps the track.
    expect(skipReason(book, 't', members, (m) => m === 'a')).toBeNull();
    expect(skipReason(book, 'other', members, () => false)).toBeNull();
  });

  it('forget members that left and tracks queued anew', () => {
    const book = new UnplayableBook();
    book.record('a', 't', 'x');
    book.record('b', 't', 'y');
    book.retain(['b']);
    expect(book.has('a', 't')).toBe(false);
    expect(skipReason(book, 't', ['b'], () => false)).toBe('y');
    // A report only from a member that left is no reason to skip.
    expect(skipReason(book, 't', ['c'], () => false)).toBeNull();
    book.forget('t');
    expect(book.reasons('t').size).toBe(0);
  });
});
