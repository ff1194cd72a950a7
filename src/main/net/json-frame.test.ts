import { describe, expect, it } from 'vitest';
import { int, obj } from '../../shared/validate';
import { decodeJsonFrame, encodeJsonFrame } from './json-frame';

const point = obj({ x: int(0, 10) });

describe('JSON frames', () => {
  it('round-trips a value its validator accepts', () => {
    expect(decodeJsonFrame(encodeJsonFrame({ x: 3 }), point)).toEqual({ ok: true, value: { x: 3 } });
  });

  it('gives not-json for bytes that are not UTF-8 JSON, and invalid with the reason for a bad shape', () => {
    for (const bytes of [
      new Uint8Array([0xff, 0xfe, 0x7b]),
      new TextEncoder().encode('{"x": 1'),
      new Uint8Array(),
    ]) {
      const r = decodeJsonFrame(bytes, point);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('not-json');
    }
    expect(decodeJsonFrame(encodeJsonFrame({ x: 11 }), point)).toEqual({
      ok: false,
      error: { kind: 'invalid', detail: 'x: expected an integer in [0, 10]' },
    });
    expect(decodeJsonFrame(encodeJsonFrame({ x: 1, y: 2 }), point)).toMatchObject({
      ok: false,
      error: { kind: 'invalid' },
    });
  });
});
