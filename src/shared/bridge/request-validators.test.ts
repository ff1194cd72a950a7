import { describe, expect, it } from 'vitest';
import { readyRequest } from './request-validators';

const TRACK = 'a'.repeat(64);

describe('bridge request validators', () => {
  it("take a window's ready report with or without what its speaker needs, and refuse a need that is not a sane number", () => {
    expect(readyRequest({ trackId: TRACK })).toEqual({ ok: true, value: { trackId: TRACK } });
    expect(readyRequest({ trackId: TRACK, needMs: 95.3 })).toEqual({
      ok: true,
      value: { trackId: TRACK, needMs: 95.3 },
    });
    for (const needMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e9, '80', null])
      expect(readyRequest({ trackId: TRACK, needMs }).ok, String(needMs)).toBe(false);
  });
});
