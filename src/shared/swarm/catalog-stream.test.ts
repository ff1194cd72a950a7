import { describe, expect, it } from 'vitest';
import { catalogLimits } from './catalog';
import { validateCatalogRequest, validateEntriesFrame, validateListFrame } from './catalog-stream';

const id = 'a'.repeat(64);
const listFrame = { incarnation: 'abcdef01', version: 2, full: true, added: [id], removed: [], done: true };

describe('catalog stream messages', () => {
  it('takes well-formed requests and frames as they are', () => {
    expect(validateCatalogRequest({ op: 'list', incarnation: 'abcdef01', sinceVersion: 0 })).toEqual({
      ok: true,
      value: { op: 'list', incarnation: 'abcdef01', sinceVersion: 0 },
    });
    expect(validateCatalogRequest({ op: 'entries', trackIds: [id] })).toEqual({
      ok: true,
      value: { op: 'entries', trackIds: [id] },
    });
    expect(validateListFrame(listFrame)).toEqual({ ok: true, value: listFrame });
    const entries = { entries: [{ anything: 1 }], missing: [id], done: false };
    expect(validateEntriesFrame(entries)).toEqual({ ok: true, value: entries });
  });

  it('refuses bad requests from a peer with a reason, never a throw', () => {
    const bad: unknown[] = [
      null,
      42,
      'list',
      [],
      { op: 'list', incarnation: 'NOT-HEX' },
      { op: 'list', sinceVersion: 1.5 },
      { op: 'list', sinceVersion: '3' },
      { op: 'entries' },
      { op: 'entries', trackIds: ['../../etc/passwd'] },
      { op: 'entries', trackIds: [id], extra: true },
      { op: 'entries', trackIds: Array(catalogLimits.maxEntriesPerRequest + 1).fill(id) },
      { op: '__proto__' },
    ];
    for (const input of bad) {
      const r = validateCatalogRequest(input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/\w/);
    }
  });

  it('refuses frames with missing, extra or wrongly typed fields', () => {
    const { done: _done, ...missingDone } = listFrame;
    for (const frame of [
      missingDone,
      { ...listFrame, extra: 1 },
      { ...listFrame, full: 'yes' },
      { ...listFrame, removed: [1] },
    ])
      expect(validateListFrame(frame).ok, JSON.stringify(frame)).toBe(false);
    expect(validateEntriesFrame({ entries: {}, missing: [], done: true }).ok).toBe(false);
    expect(validateEntriesFrame({ entries: [], missing: ['x'], done: true }).ok).toBe(false);
    expect(
      validateEntriesFrame({
        entries: Array(catalogLimits.maxEntriesPerRequest + 1).fill({}),
        missing: [],
        done: true,
      }).ok,
    ).toBe(false);
  });
});
