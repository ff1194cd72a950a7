import { describe, expect, it } from 'vitest';
import {
  arrayOf,
  bool,
  int,
  isTypeOf,
  messageValidator,
  none,
  nullable,
  num,
  obj,
  oneOf,
  optional,
  parseJson,
  str,
  type BodyValidators,
} from './validate';

describe('validators', () => {
  it('take what fits and name the field of what does not', () => {
    expect(num(0, 1)(0.5)).toEqual({ ok: true, value: 0.5 });
    expect(num(0, 1)(Number.NaN, 'volume')).toEqual({
      ok: false,
      error: 'volume: expected a number in [0, 1]',
    });
    expect(int(0, 3)(1.5).ok).toBe(false);
    expect(str(3)('abcd').ok).toBe(false);
    expect(bool('true').ok).toBe(false);
    expect(none(undefined).ok && none(null).ok && !none(0).ok).toBe(true);
    expect(oneOf('a', 'b')('c', 'mode')).toEqual({ ok: false, error: 'mode: expected one of a, b' });
    expect(nullable(int())(null)).toEqual({ ok: true, value: null });
    expect(arrayOf(int(), 2)([1, 2, 3]).ok).toBe(false);
    expect(arrayOf(int())([1, 'x'], 'ids')).toEqual({
      ok: false,
      error: 'ids[1]: expected an integer in [-9007199254740991, 9007199254740991]',
    });
  });

  it('objects take exactly their fields, optional ones left out when absent', () => {
    const v = obj({ a: int(), b: optional(str()) });
    expect(v({ a: 1 })).toEqual({ ok: true, value: { a: 1 } });
    expect(v({ a: 1, c: 2 })).toEqual({ ok: false, error: 'unknown field "c"' });
    expect(v({ a: 'x' }, 'req')).toEqual({
      ok: false,
      error: 'req.a: expected an integer in [-9007199254740991, 9007199254740991]',
    });
    expect(v([1]).ok).toBe(false);
  });
});

interface Bodies {
  'x:ping': { n: number };
  'x:note': { text: string; at: number | null };
}
const bodies: BodyValidators<Bodies> = {
  'x:ping': { n: int(0, 10) },
  'x:note': { text: str(5), at: nullable(int()) },
};

describe('message families', () => {
  const validate = messageValidator(bodies);
  const isType = isTypeOf(bodies);

  it('know their types, and no inherited name', () => {
    expect(['x:ping', 'x:note', 'x:other', 'toString', 7].map(isType)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('take a bare body or a whole control message, returning the body only', () => {
    expect(validate({ type: 'x:ping', n: 3 })).toEqual({ ok: true, value: { type: 'x:ping', n: 3 } });
    expect(validate({ type: 'x:note', text: 'hi', at: null, v: 1, from: 'p', epoch: 2, seq: 3 })).toEqual({
      ok: true,
      value: { type: 'x:note', text: 'hi', at: null },
    });
  });

  it('refuse the wrong type, unknown fields and bad bodies with a reason, never throwing', () => {
    expect(validate({ type: 'x:pong' })).toEqual({
      ok: false,
      error: 'type: expected one of x:ping, x:note',
    });
    expect(validate({ type: 'x:ping', n: 1, extra: true })).toEqual({
      ok: false,
      error: 'x:ping: unknown field "extra"',
    });
    expect(validate({ type: 'x:ping', n: 11 })).toEqual({
      ok: false,
      error: 'x:ping: n: expected an integer in [0, 10]',
    });
    for (const junk of [null, undefined, 3, 'x', [], { __proto__: { type: 'x:ping' } }])
      expect(validate(junk).ok).toBe(false);
  });
});

describe('parseJson', () => {
  const point = obj({ x: int(0, 10) });
  it('gives the checked value, not-json for text that is not JSON, and invalid with the reason for a bad shape', () => {
    expect(parseJson('{"x": 3}', point)).toEqual({ ok: true, value: { x: 3 } });
    for (const text of ['', '{', 'undefined', "{'x': 1}", '{"x": 1}}'])
      expect(parseJson(text, point)).toMatchObject({ ok: false, error: { kind: 'not-json' } });
    expect(parseJson('{"x": 11}', point)).toEqual({
      ok: false,
      error: { kind: 'invalid', detail: 'x: expected an integer in [0, 10]' },
    });
    expect(parseJson('[1]', point)).toMatchObject({ ok: false, error: { kind: 'invalid' } });
  });
});
