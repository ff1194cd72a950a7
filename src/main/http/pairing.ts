/**
 * Pairing codes: a six-digit code shown on the device, typed into a new browser (a phone) to give
 * it a token of its own. A code lives a few minutes and dies after a few wrong guesses; an address
 * that keeps guessing wrong is locked out for a while, so the million codes cannot be walked.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { PairingState } from '../../shared/bridge/payloads';

export interface PairingInit {
  /** How long a code stays valid. Default 5 minutes. */
  codeTtlMs?: number;
  /** Wrong guesses (from anyone) after which a code is withdrawn. Default 5. */
  maxWrongPerCode?: number;
  /** Wrong guesses from one address within `lockoutMs` after which it is refused. Default 5. */
  maxWrongPerAddress?: number;
  /** Window and lockout length for one address's wrong guesses. Default 15 minutes. */
  lockoutMs?: number;
  /** Least time between two code requests from one address. Default 3 s. */
  requestIntervalMs?: number;
  now?: () => number;
}

export type PairAttempt =
  | { ok: true }
  | { ok: false; reason: 'no-code' | 'wrong' | 'expired' }
  | { ok: false; reason: 'locked'; retryAfterMs: number };

interface OpenCode {
  code: string;
  requestedBy: string | null;
  expiresAtMs: number;
  wrong: number;
}

/** Issues and checks pairing codes; `onChange` is told whenever the open code changes. */
export class Pairing {
  #open: OpenCode | null = null;
  readonly #wrongByAddress = new Map<string, number[]>();
  readonly #lastRequest = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxWrongPerCode: number;
  readonly #maxWrongPerAddress: number;
  readonly #lockoutMs: number;
  readonly #requestIntervalMs: number;
  readonly #now: () => number;

  constructor(
    private readonly onChange: (state: PairingState) => void,
    init: PairingInit = {},
  ) {
    this.#ttlMs = init.codeTtlMs ?? 5 * 60_000;
    this.#maxWrongPerCode = init.maxWrongPerCode ?? 5;
    this.#maxWrongPerAddress = init.maxWrongPerAddress ?? 5;
    this.#lockoutMs = init.lockoutMs ?? 15 * 60_000;
    this.#requestIntervalMs = init.requestIntervalMs ?? 3000;
    this.#now = init.now ?? Date.now;
  }

  /** The open code, if any (for the device's own UI, REPL and log). */
  state(): PairingState {
    const open = this.#current();
    return open
      ? { code: open.code, requestedBy: open.requestedBy, expiresAtMs: open.expiresAtMs }
      : { code: null, requestedBy: null, expiresAtMs: null };
  }

  /**
   * Opens a code (or keeps the open one) for a browser that asks from `address`, or for the
   * device's user when `requestedBy` is null. Returns null when that address asked too recently.
   */
  open(requestedBy: string | null, address: string | null = null): PairingState | null {
    const now = this.#now();
    if (address !== null) {
      if (now - (this.#lastRequest.get(address) ?? -Infinity) < this.#requestIntervalMs) return null;
      this.#lastRequest.set(address, now);
      this.#trim(now);
    }
    const open = this.#current();
    if (open && (requestedBy === null || open.requestedBy === requestedBy)) return this.state();
    this.#open = {
      code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
      requestedBy,
      expiresAtMs: now + this.#ttlMs,
      wrong: 0,
    };
    const state = this.state();
    this.onChange(state);
    return state;
  }

  /** Checks a code typed in at `address`; a right code is used up. */
  attempt(code: string, address: string): PairAttempt {
    const now = this.#now();
    const recent = (this.#wrongByAddress.get(address) ?? []).filter((t) => now - t < this.#lockoutMs);
    if (recent.length >= this.#maxWrongPerAddress) {
      const oldest = recent[0] ?? now;
      return { ok: false, reason: 'locked', retryAfterMs: oldest + this.#lockoutMs - now };
    }
    const open = this.#open;
    if (!open) return { ok: false, reason: 'no-code' };
    if (open.expiresAtMs <= now) {
      this.#close();
      return { ok: false, reason: 'expired' };
    }
    const given = Buffer.from(code.padEnd(6, ' ').slice(0, 6));
    if (code.length === 6 && timingSafeEqual(given, Buffer.from(open.code))) {
      this.#close();
      return { ok: true };
    }
    recent.push(now);
    this.#wrongByAddress.set(address, recent);
    open.wrong++;
    if (open.wrong >= this.#maxWrongPerCode) this.#close();
    return { ok: false, reason: 'wrong' };
  }

  /** Withdraws the open code. */
  cancel(): void {
    if (this.#open) this.#close();
  }

  #current(): OpenCode | null {
    if (this.#open && this.#open.expiresAtMs <= this.#now()) this.#close();
    return this.#open;
  }

  #close(): void {
    this.#open = null;
    this.onChange(this.state());
  }

  /** Keeps the per-address tables from growing without bound under a flood of addresses. */
  #trim(now: number): void {
    if (this.#lastRequest.size < 1024) return;
    for (const [address, at] of this.#lastRequest)
      if (now - at > this.#requestIntervalMs) this.#lastRequest.delete(address);
    for (const [address, times] of this.#wrongByAddress)
      if (times.every((t) => now - t >= this.#lockoutMs)) this.#wrongByAddress.delete(address);
  }
}
