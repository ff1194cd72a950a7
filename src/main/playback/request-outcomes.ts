/**
 * The answers to commands that this peer has seen reach a leader, so that a new leader answers a
 * command the old one applied instead of applying it twice.
 */

/** A command's answer: null error when applied; null itself while it waits in a takeover. */
export type RequestOutcome = { error: string | null } | null;

const MAX_REMEMBERED_REQUESTS = 512;

/** The newest 512 outcomes, keyed by `from/requestId`. */
export class RequestOutcomes {
  readonly #outcomes = new Map<string, RequestOutcome>();

  /** The outcome of `from`'s request `requestId`; undefined when this peer never saw it. */
  get(from: string, requestId: string): RequestOutcome | undefined {
    return this.#outcomes.get(`${from}/${requestId}`);
  }

  /** Records an outcome, forgetting the oldest beyond the limit. */
  remember(from: string, requestId: string, outcome: RequestOutcome): void {
    const key = `${from}/${requestId}`;
    this.#outcomes.delete(key);
    this.#outcomes.set(key, outcome);
    if (this.#outcomes.size > MAX_REMEMBERED_REQUESTS) {
      const oldest = this.#outcomes.keys().next().value;
      if (oldest !== undefined) this.#outcomes.delete(oldest);
    }
  }
}
