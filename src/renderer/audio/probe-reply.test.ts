import { describe, expect, it } from 'vitest';
import { isReply } from './probe-reply';

const good = { t2: 10, t3: 11, groupOffsetMs: 5, groupErrorMs: 0.1 };

describe('isReply', () => {
  it('takes a well-formed reply, with or without a group estimate, drift and host clock', () => {
    expect(isReply(good)).toBe(true);
    expect(isReply({ ...good, groupOffsetMs: null, groupErrorMs: null })).toBe(true);
    expect(isReply({ ...good, groupDriftPpm: 150 })).toBe(true);
    expect(isReply({ ...good, hostClock: { offsetMs: 1, skewPpm: 100, originMs: 0 } })).toBe(true);
    expect(isReply({ ...good, hostClock: null })).toBe(true);
  });

  it('refuses what is not a reply or has non-finite numbers', () => {
    expect(isReply(null)).toBe(false);
    expect(isReply('reply')).toBe(false);
    expect(isReply({ ...good, t2: Number.NaN })).toBe(false);
    expect(isReply({ ...good, t3: '11' })).toBe(false);
    expect(isReply({ ...good, groupOffsetMs: Infinity })).toBe(false);
    expect(isReply({ ...good, groupErrorMs: undefined })).toBe(false);
  });

  it('refuses a negative error, a drift or skew no peer states, and a malformed host clock', () => {
    expect(isReply({ ...good, groupErrorMs: -1 })).toBe(false);
    expect(isReply({ ...good, groupDriftPpm: 20_001 })).toBe(false);
    expect(isReply({ ...good, hostClock: { offsetMs: 1, skewPpm: -20_001, originMs: 0 } })).toBe(false);
    expect(isReply({ ...good, hostClock: { offsetMs: 1, skewPpm: 0 } })).toBe(false);
  });
});
