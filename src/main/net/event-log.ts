/** Why a dial failed, in terms a user can act on. */
export type DialFailureReason =
  'refused' | 'timeout' | 'handshake' | 'unreachable' | 'self' | 'wrong-peer' | 'aborted' | 'other';

/** Where the address that was dialled came from. */
export type DialSource = 'bootstrap' | 'mdns' | 'peer-exchange' | 'discovery' | 'member';

/** One entry of the network's debug log. */
export type NetLogEntry =
  | { atMs: number; kind: 'dial:ok'; source: DialSource; target: string; peerId: string }
  | {
      atMs: number;
      kind: 'dial:failed';
      source: DialSource;
      target: string;
      reason: DialFailureReason;
      message: string;
    }
  | { atMs: number; kind: 'peer:connected' | 'peer:disconnected'; peerId: string }
  | { atMs: number; kind: 'peer:discovered'; source: DialSource; peerId: string }
  | { atMs: number; kind: 'input:dropped'; source: string; peerId?: string; reason: string };

type WithoutTime<T> = T extends unknown ? Omit<T, 'atMs'> : never;

/** A bounded, oldest-first log of network events, kept for the `debug` command. */
export class NetEventLog {
  private readonly entries: NetLogEntry[] = [];

  constructor(
    private readonly capacity = 200,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends an entry, dropping the oldest once full. */
  add(entry: WithoutTime<NetLogEntry>): NetLogEntry {
    const stamped = { ...entry, atMs: this.now() } as NetLogEntry;
    this.entries.push(stamped);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return stamped;
  }

  /** A copy of the entries, oldest first. */
  list(): NetLogEntry[] {
    return [...this.entries];
  }
}

/** Sorts a dial error into a reason and a sentence a user can act on. */
export function explainDialError(error: unknown): { reason: DialFailureReason; message: string } {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown; errors?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const text = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  const nested = Array.isArray(e.errors) && e.errors.length > 0 ? explainDialError(e.errors[0]) : null;
  // A peer with another pnet key completes TCP but its bytes decrypt to garbage, so the
  // Noise handshake either stalls until the timeout or breaks off: both look alike here.
  const pnetHint = 'no answer or different room passphrase (pnet)';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text))
    return { reason: 'refused', message: `refused: nothing listens there (${text})` };
  if (/EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/.test(code + text))
    return { reason: 'unreachable', message: `unreachable (${text})` };
  if (name === 'InvalidPeerIdError' && /dial self/i.test(text))
    return { reason: 'self', message: 'this address is this peer itself' };
  if (name === 'UnexpectedPeerError')
    return { reason: 'wrong-peer', message: `a different peer answers at this address (${text})` };
  if (name === 'TimeoutError' || /timed? ?out/i.test(text))
    return { reason: 'timeout', message: `timed out: ${pnetHint}` };
  if (
    name === 'EncryptionFailedError' ||
    name === 'InvalidCryptoExchangeError' ||
    /ECONNRESET|EPIPE|handshake|decrypt/i.test(text)
  ) {
    return { reason: 'handshake', message: `handshake failed: ${pnetHint} (${text})` };
  }
  if (name === 'AbortError') return { reason: 'aborted', message: 'dial aborted' };
  if (nested) return nested;
  return { reason: 'other', message: `${name || 'Error'}: ${text}` };
}
