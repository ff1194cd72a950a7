/** Waiting in tests for what a service announces, never for a sleep. */
import type { TypedEventTarget } from '../../shared/events';

/**
 * Resolves with the payload of the first `type` event that `match` accepts, or rejects after
 * `timeoutMs` with `why()` (what the test was waiting for, and what it saw).
 */
export function nextEvent<M extends object, K extends keyof M & string>(
  target: TypedEventTarget<M>,
  type: K,
  options: { match?: (payload: M[K]) => boolean; timeoutMs?: number; why?: () => string } = {},
): Promise<M[K]> {
  const { match = () => true, timeoutMs = 20_000, why = () => `no ${type} within ${timeoutMs} ms` } = options;
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort();
      reject(new Error(why()));
    }, timeoutMs);
    target.on(
      type,
      (payload) => {
        if (!match(payload)) return;
        clearTimeout(timer);
        controller.abort();
        resolve(payload);
      },
      { signal: controller.signal },
    );
  });
}
