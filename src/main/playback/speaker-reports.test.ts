import { describe, expect, it } from 'vitest';
import { readyReport, unplayableReport } from './speaker-reports';

describe('speaker reports', () => {
  it('makes a ready report for a well-formed track id', () => {
    expect(readyReport('t1', 4)).toEqual({
      ok: true,
      value: { type: 'playback:ready', trackId: 't1', version: 4 },
    });
  });

  it('refuses a malformed track id with the warning to log', () => {
    const report = readyReport('no spaces', 4);
    expect(report.ok).toBe(false);
    expect(!report.ok && report.error).toMatch(/^not reporting ready for a malformed track id/);
    const unplayable = unplayableReport('', 4, 'cannot decode');
    expect(!unplayable.ok && unplayable.error).toMatch(
      /^not reporting an unplayable track with a malformed id/,
    );
  });

  it('makes an unplayable report with its reason, and refuses a reason the room would drop', () => {
    expect(unplayableReport('t1', 2, 'ALAC is not supported')).toEqual({
      ok: true,
      value: { type: 'playback:unplayable', trackId: 't1', version: 2, reason: 'ALAC is not supported' },
    });
    const multiline = unplayableReport('t1', 2, 'a\nb');
    expect(!multiline.ok && multiline.error).toMatch(/^not reporting an unplayable track \(/);
  });
});
