/**
 * The control topic's message codec: a message is checked against the envelope and the body of its
 * type (`messages.ts`) when this peer encodes it, so it never sends what peers would refuse, and
 * when it decodes a peer's bytes, which never throws: a message is refused (malformed, oversize, a
 * bad field, a spoofed sender) or set aside (a newer version, an unknown type), each with a reason
 * fit for a counter.
 */
import type { Validator } from '../validate';
import { int } from '../validate';
import { err, ok, type Result } from '../result';
import {
  CONTROL_PROTOCOL_VERSION,
  controlBodyValidators,
  controlLimits,
  isControlType,
  controlPeerId,
  type ControlDraft,
  type ControlMessage,
} from './messages';

/** Why a message was refused. */
export type InvalidReason = 'malformed' | 'oversize' | 'badField' | 'spoofedSender';
/** Why a well-formed message was set aside without being an error. */
export type IgnoreReason = 'newerVersion' | 'unknownType';

/**
 * Outcome of decoding. Its shape fits the control channel's generic decode result: `reason` is a
 * short category suitable as a counter key; `detail` says what exactly was wrong.
 */
export type DecodeResult =
  | { ok: true; value: ControlMessage }
  | { ok: false; ignored: true; reason: IgnoreReason; detail: string }
  | { ok: false; ignored: false; reason: InvalidReason; detail: string };

/** Thrown by `encodeControl` when this peer tries to send a message its own decoder would refuse. */
export class ControlEncodeError extends Error {
  override readonly name = 'ControlEncodeError';
}

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['v', 'type', 'from', 'epoch', 'seq']);

type Checked = Result<
  ControlMessage,
  { ignored: boolean; reason: InvalidReason | IgnoreReason; detail: string }
>;

const refuse = (reason: InvalidReason, detail: string): Checked => err({ ignored: false, reason, detail });
const setAside = (reason: IgnoreReason, detail: string): Checked => err({ ignored: true, reason, detail });

/** Checks a parsed JSON value against the envelope and the body of its type. */
function checkMessage(input: unknown, expectedFrom: string | undefined): Checked {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return refuse('malformed', 'not a JSON object');
  const record = input as Record<string, unknown>;

  const v = record.v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    return refuse('badField', 'v: expected a positive integer');
  if (v > CONTROL_PROTOCOL_VERSION) return setAside('newerVersion', `v=${v}`);

  const from = controlPeerId(record.from, 'from');
  if (!from.ok) return refuse('badField', from.error);
  if (expectedFrom !== undefined && from.value !== expectedFrom) {
    return refuse('spoofedSender', `from ${from.value} but delivered by ${expectedFrom}`);
  }

  const type = record.type;
  if (typeof type !== 'string' || type.length === 0 || type.length > controlLimits.maxTypeChars) {
    return refuse('badField', 'type: expected a short string');
  }
  if (!isControlType(type)) return setAside('unknownType', `type=${type}`);

  const epoch = int(0, controlLimits.maxEpoch)(record.epoch, 'epoch');
  if (!epoch.ok) return refuse('badField', epoch.error);
  const seq = int(0, Number.MAX_SAFE_INTEGER)(record.seq, 'seq');
  if (!seq.ok) return refuse('badField', seq.error);

  const shape = controlBodyValidators[type] as Record<string, Validator<unknown>>;
  for (const key of Object.keys(record)) {
    if (!ENVELOPE_KEYS.has(key) && !Object.hasOwn(shape, key))
      return refuse('badField', `unknown field "${key}"`);
  }
  const out: Record<string, unknown> = { v, type, from: from.value, epoch: record.epoch, seq: record.seq };
  for (const [key, validate] of Object.entries(shape)) {
    const r = validate(record[key], key);
    if (!r.ok) return refuse('badField', r.error);
    if (r.value !== undefined) out[key] = r.value;
  }
  return ok(out as unknown as ControlMessage);
}

interface Utf8 {
  encoder: { encode(text: string): Uint8Array };
  decoder: { decode(bytes: Uint8Array): string };
}

// TextEncoder/TextDecoder exist in Node and browsers alike, but the shared layer compiles
// without DOM or Node types, so they are reached through a narrow structural type.
let utf8: Utf8 | undefined;
const getUtf8 = (): Utf8 => {
  if (!utf8) {
    const g = globalThis as unknown as {
      TextEncoder: new () => Utf8['encoder'];
      TextDecoder: new (label: string, options: { fatal: boolean }) => Utf8['decoder'];
    };
    utf8 = { encoder: new g.TextEncoder(), decoder: new g.TextDecoder('utf-8', { fatal: true }) };
  }
  return utf8;
};

/** Adds the protocol version and the publisher's sequence number to a draft. */
export function sealControl(draft: ControlDraft, seq: number): ControlMessage {
  return { ...draft, v: CONTROL_PROTOCOL_VERSION, seq } as ControlMessage;
}

/** Encodes a message as UTF-8 JSON; throws `ControlEncodeError` if peers would refuse it. */
export function encodeControl(msg: ControlMessage): Uint8Array {
  const checked = checkMessage(msg, undefined);
  if (!checked.ok) throw new ControlEncodeError(`${checked.error.reason}: ${checked.error.detail}`);
  const bytes = getUtf8().encoder.encode(JSON.stringify(checked.value));
  if (bytes.length > controlLimits.maxMessageBytes) {
    throw new ControlEncodeError(`oversize: ${bytes.length} bytes > ${controlLimits.maxMessageBytes}`);
  }
  return bytes;
}

/**
 * Decodes and validates a peer's bytes; never throws. When `expectedFrom` is given (the sender
 * the transport verified), a message claiming another sender is refused as spoofed.
 */
export function decodeControl(bytes: Uint8Array, expectedFrom?: string): DecodeResult {
  if (!(bytes instanceof Uint8Array))
    return { ok: false, ignored: false, reason: 'malformed', detail: 'not bytes' };
  if (bytes.length > controlLimits.maxMessageBytes) {
    return { ok: false, ignored: false, reason: 'oversize', detail: `${bytes.length} bytes` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(getUtf8().decoder.decode(bytes));
  } catch {
    return { ok: false, ignored: false, reason: 'malformed', detail: 'not UTF-8 JSON' };
  }
  const checked = checkMessage(parsed, expectedFrom);
  if (checked.ok) return { ok: true, value: checked.value };
  const { ignored, reason, detail } = checked.error;
  return ignored
    ? { ok: false, ignored: true, reason: reason as IgnoreReason, detail }
    : { ok: false, ignored: false, reason: reason as InvalidReason, detail };
}
