/**
 * The one codec of the JSON stream protocols (catalog, peer exchange, …): a frame is UTF-8 JSON, and a
 * frame from a peer is decoded and checked by a `shared/validate` validator in one step that never throws.
 */
import { err, ok, type Result } from '../../shared/result';
import type { Validator } from '../../shared/validate';

/** Why a peer's frame was refused: not UTF-8 JSON at all, or JSON of the wrong shape (with the validator's reason). */
export type JsonFrameError = { kind: 'not-json'; detail: string } | { kind: 'invalid'; detail: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 JSON bytes of a value. */
export const encodeJsonFrame = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Decodes a peer's frame and checks it with `validate`; a bad frame gives an error, never an exception. */
export function decodeJsonFrame<T>(bytes: Uint8Array, validate: Validator<T>): Result<T, JsonFrameError> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes)) as unknown;
  } catch (error) {
    return err({ kind: 'not-json', detail: error instanceof Error ? error.message : String(error) });
  }
  const checked = validate(json);
  return checked.ok ? ok(checked.value) : err({ kind: 'invalid', detail: checked.error });
}
