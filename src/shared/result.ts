/** A value or a reason it could not be produced; used at every edge that takes untrusted input. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a successful result. */
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

/** Builds a failed result. */
export const err = <E = string>(error: E): Result<never, E> => ({ ok: false, error });
