import { describe, expect, it } from 'vitest';
import { shownText, showableText, tidyText } from './shown-text';

describe('names shown to other devices', () => {
  it('removes control and direction characters and trims', () => {
    expect(showableText('evil\u202Egnp.mp3')).toEqual({ ok: true, value: 'evilgnp.mp3' });
    expect(showableText(' Kitchen\u2066\u2069 ')).toEqual({ ok: true, value: 'Kitchen' });
    expect(showableText('two\nlines\tand\u0007bell')).toEqual({ ok: true, value: 'two lines and bell' });
    expect(showableText('\u200fשלום\u200e')).toEqual({ ok: true, value: 'שלום' });
  });

  it('refuses a lone surrogate, keeps well-formed astral characters', () => {
    expect(showableText('bad\ud800name').ok).toBe(false);
    expect(showableText('\udc00').ok).toBe(false);
    expect(showableText('🎵 Living room')).toEqual({ ok: true, value: '🎵 Living room' });
  });

  it('tidies file tags without refusing them', () => {
    expect(tidyText('Song\ud800\u202e\r\n')).toBe('Song\ufffd');
  });

  it('validates with limits on the raw input and the shown text', () => {
    const name = shownText(8, 1);
    expect(name('ok\u202e', 'name')).toEqual({ ok: true, value: 'ok' });
    expect(name('\u202e\u202e', 'name').ok).toBe(false);
    expect(name('123456789', 'name').ok).toBe(false);
    expect(name(42, 'name').ok).toBe(false);
    const broken = name('a\ud800', 'name');
    expect(broken.ok ? '' : broken.error).toMatch(/^name: contains a broken character/);
  });
});
