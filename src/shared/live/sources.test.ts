import { describe, expect, it } from 'vitest';
import { liveBodyValidators } from './sources';

const validate = liveBodyValidators['live:sources'].sources;
const radio = { sourceId: 'radio-0123abcd', name: 'Radio', kind: 'http', state: 'running', error: null };

describe('live:sources announcements', () => {
  it('take a radio source with and without a title', () => {
    expect(validate([radio], 'sources').ok).toBe(true);
    expect(validate([{ ...radio, title: 'Artist - Song' }], 'sources')).toMatchObject({
      ok: true,
      value: [{ title: 'Artist - Song' }],
    });
  });

  it('clean a title that would not show as itself, and refuse one that is empty, too long or broken', () => {
    expect(validate([{ ...radio, title: 'evil\u202egnp.mp3\u0007' }], 'sources')).toMatchObject({
      ok: true,
      value: [{ title: 'evilgnp.mp3' }],
    });
    for (const title of ['', 'x'.repeat(257), 'a\ud800b', 42])
      expect(validate([{ ...radio, title }], 'sources').ok, JSON.stringify(title)).toBe(false);
    expect(validate([{ ...radio, kind: 'ftp' }], 'sources').ok).toBe(false);
  });
});
