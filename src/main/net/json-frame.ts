/**
 * The one codec of the JSON stream protocols (catalog, peer exchange, …): a frame is UTF-8 JSON, and a
 * frame from a peer is decoded and checked by a `shared/validate` validator in one step that never throws.
 */
import { err, type Result } from '../../shared/result';
import { parseJson, type JsonInputError, type Validator } from '../../shared/validate';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 JSON bytes of a value. */
export const encodeJsonFrame = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Decodes a peer's frame and checks it with `validate`; a bad frame gives an error, never an exception. */
export function decodeJsonFrame<T>(bytes: Uint8Array, validate: Validator<T>): Result<T, JsonInputError> {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (error) {
    return err({ kind: 'not-json', detail: error instanceof Error ? error.message : String(error) });
  }
  return parseJson(text, validate);
}
