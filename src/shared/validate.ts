/**
 * The one toolkit that checks untrusted input, for every protocol: the bridge's requests, the control
 * topic's messages and the stream protocols. A validator returns a Result (never throws), so bad input
 * from a peer is dropped and counted by its caller.
 */
import { err, ok, type Result } from './result';

/** A validator turns untrusted input into a typed value or a readable reason. */
export type Validator<T> = (input: unknown, path?: string) => Result<T>;

const at = (path: string | undefined) => (path ? `${path}: ` : '');

/** Accepts nothing (undefined or null), for channels without a payload. */
export const none: Validator<void> = (input, path) =>
  input === undefined || input === null ? ok(undefined) : err(`${at(path)}expected no payload`);

/** A finite number within [min, max]. */
export const num =
  (min = -Number.MAX_VALUE, max = Number.MAX_VALUE): Validator<number> =>
  (input, path) =>
    typeof input === 'number' && Number.isFinite(input) && input >= min && input <= max
      ? ok(input)
      : err(`${at(path)}expected a number in [${min}, ${max}]`);

/** An integer within [min, max]. */
export const int =
  (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Validator<number> =>
  (input, path) =>
    typeof input === 'number' && Number.isInteger(input) && input >= min && input <= max
      ? ok(input)
      : err(`${at(path)}expected an integer in [${min}, ${max}]`);

/** A string of at most maxLength characters. */
export const str =
  (maxLength = 1024, minLength = 0): Validator<string> =>
  (input, path) =>
    typeof input === 'string' && input.length <= maxLength && input.length >= minLength
      ? ok(input)
      : err(`${at(path)}expected a string of ${minLength}..${maxLength} characters`);

/** A boolean. */
export const bool: Validator<boolean> = (input, path) =>
  typeof input === 'boolean' ? ok(input) : err(`${at(path)}expected a boolean`);

/** One of a fixed set of string literals. */
export const oneOf =
  <T extends string>(...values: readonly T[]): Validator<T> =>
  (input, path) =>
    typeof input === 'string' && (values as readonly string[]).includes(input)
      ? ok(input as T)
      : err(`${at(path)}expected one of ${values.join(', ')}`);

/** An array of at most maxItems items, each checked. */
export const arrayOf =
  <T>(item: Validator<T>, maxItems = 1000): Validator<T[]> =>
  (input, path) => {
    if (!Array.isArray(input) || input.length > maxItems)
      return err(`${at(path)}expected at most ${maxItems} items`);
    const out: T[] = [];
    for (let i = 0; i < input.length; i++) {
      const r = item(input[i], `${path ?? ''}[${i}]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  };

type Shape = Record<string, Validator<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: S[K] extends Validator<infer T> ? T : never };
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends FromShape<S>[K] ? K : never;
}[keyof S];
type Object<S extends Shape> = Omit<FromShape<S>, OptionalKeys<S>> &
  Partial<Pick<FromShape<S>, OptionalKeys<S>>>;

/** Accepts null or what `v` accepts. */
export const nullable =
  <T>(v: Validator<T>): Validator<T | null> =>
  (input, path) =>
    input === null ? ok(null) : v(input, path);

/** Marks a field as optional (absent or undefined). */
export const optional =
  <T>(v: Validator<T>): Validator<T | undefined> =>
  (input, path) =>
    input === undefined ? ok(undefined) : v(input, path);

/** A validator whose result must also pass `check`, which names what is wrong (null when nothing is). */
export const refine =
  <T>(v: Validator<T>, check: (value: T) => string | null): Validator<T> =>
  (input, path) => {
    const r = v(input, path);
    if (!r.ok) return r;
    const problem = check(r.value);
    return problem === null ? r : err(`${at(path)}${problem}`);
  };

/**
 * A plain object with the given fields. Unknown fields are rejected, unless `unknownFields` is
 * 'drop': then they are left out of the result (a record peers of newer builds send with fields
 * this build does not know yet, which it must still take).
 */
export const obj =
  <S extends Shape>(shape: S, options: { unknownFields?: 'reject' | 'drop' } = {}): Validator<Object<S>> =>
  (input, path) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return err(`${at(path)}expected an object`);
    const record = input as Record<string, unknown>;
    if (options.unknownFields !== 'drop') {
      for (const key of Object.keys(record)) {
        if (!(key in shape)) return err(`${at(path)}unknown field "${key}"`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, validate] of Object.entries(shape)) {
      const r = validate(record[key], path ? `${path}.${key}` : key);
      if (!r.ok) return r;
      if (r.value !== undefined) out[key] = r.value;
    }
    return ok(out as Object<S>);
  };

/** Field validators of each message body of a family, keyed by message type. */
export type BodyValidators<Bodies> = {
  [T in keyof Bodies]: { [K in keyof Bodies[T]]-?: Validator<Bodies[T][K]> };
};

/** One message of a family: its `type` plus its body fields, discriminated by `type`. */
export type FamilyMessage<Bodies> = { [T in keyof Bodies]: { type: T } & Bodies[T] }[keyof Bodies];

/** What a decoded control message carries beside a body; it is the codec's business. */
const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['v', 'from', 'epoch', 'seq']);

/** Whether `type` names a message type of a family. */
export const isTypeOf =
  <T extends string>(validators: Readonly<Record<T, unknown>>) =>
  (type: unknown): type is T =>
    typeof type === 'string' && Object.hasOwn(validators, type);

/**
 * A validator for a family of messages (playback, swarm, …): `type` plus exactly its body fields.
 * Envelope fields of a decoded control message are ignored, so a bare body and a whole message are
 * both accepted.
 */
export function messageValidator<Bodies>(
  validators: BodyValidators<Bodies>,
): (input: unknown) => Result<FamilyMessage<Bodies>> {
  const isType = isTypeOf(validators as Record<keyof Bodies & string, unknown>);
  const types = Object.keys(validators);
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return err('expected an object');
    const record = input as Record<string, unknown>;
    const type = record.type;
    if (!isType(type)) return err(`type: expected one of ${types.join(', ')}`);
    const shape = validators[type] as Record<string, Validator<unknown>>;
    for (const key of Object.keys(record)) {
      if (key !== 'type' && !ENVELOPE_KEYS.has(key) && !Object.hasOwn(shape, key))
        return err(`${type}: unknown field "${key}"`);
    }
    const out: Record<string, unknown> = { type };
    for (const [key, validate] of Object.entries(shape)) {
      const r = validate(record[key], key);
      if (!r.ok) return err(`${type}: ${r.error}`);
      out[key] = r.value;
    }
    return ok(out as unknown as FamilyMessage<Bodies>);
  };
}

/** Accepts anything as it is (a field another validator checks later, such as a request's payload). */
export const unchecked: Validator<unknown> = (input) => ok(input);

/** Why untrusted JSON was refused: not JSON at all, or JSON of the wrong shape (with the validator's reason). */
export type JsonInputError = { kind: 'not-json'; detail: string } | { kind: 'invalid'; detail: string };

/** Parses untrusted JSON text and checks it with `validate`; bad input gives an error, never an exception. */
export function parseJson<T>(text: string, validate: Validator<T>): Result<T, JsonInputError> {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    return err({ kind: 'not-json', detail: error instanceof Error ? error.message : String(error) });
  }
  const checked = validate(json);
  return checked.ok ? ok(checked.value) : err({ kind: 'invalid', detail: checked.error });
}
