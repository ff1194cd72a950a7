/** The peer's own log: the last lines written, rate limited per kind, shown with names instead of ids. */
import { LogLimiter } from '../net/log-limiter';

/** What the readable log names ids by. */
export interface LogNames {
  /** The room's tracks (a 64-hex track id becomes its title). */
  tracks(): { id: string; title: string; artist?: string | null }[];
  /** This device's peer id, or null when the peer is not running. */
  selfId(): string | null;
  /** The room's members (a peer id becomes the member's name). */
  members(): { peerId: string; name: string }[];
}

/** The log `/api/status` shows. */
export class PeerLog {
  /** Keeps one repeating fault from pushing everything else out of the log (#24). */
  readonly #limiter: LogLimiter;
  readonly #lines: string[] = [];
  readonly #maxLines: number;

  constructor(init: { maxLines?: number; limiter?: LogLimiter } = {}) {
    this.#maxLines = init.maxLines ?? 100;
    this.#limiter = init.limiter ?? new LogLimiter();
  }

  /** Writes a line (or not, when its kind repeats too often), stamped with the time. */
  line(text: string): void {
    for (const admitted of this.#limiter.admit(text))
      this.#lines.push(`${new Date().toISOString()} ${admitted}`);
    if (this.#lines.length > this.#maxLines) this.#lines.splice(0, this.#lines.length - this.#maxLines);
  }

  /** Lines the limiter left out. */
  get suppressed(): number {
    return this.#limiter.suppressed;
  }

  /**
   * The log as a person reads it: tracks by title and devices by name, not by hash and peer id
   * (named when shown, so a device that joined after a line was written is named too).
   */
  readable(names: LogNames): string[] {
    let titles: Map<string, string> | null = null;
    const self = names.selfId();
    return this.#lines.map((line) =>
      line
        .replace(/\b[0-9a-f]{64}\b/g, (id) => {
          titles ??= new Map(
            names.tracks().map((t) => [t.id, `"${t.title}"${t.artist ? ` by ${t.artist}` : ''}`]),
          );
          return titles.get(id) ?? `track ${id.slice(0, 8)}…`;
        })
        // A peer id inside an address (/p2p/…) is part of the address, not a device to name.
        .replace(/(?<!\/p2p\/)\b12D3KooW[1-9A-HJ-NP-Za-km-z]{44}\b/g, (peerId) => {
          if (self !== null && peerId === self) return 'this device';
          const member = self !== null ? names.members().find((m) => m.peerId === peerId) : undefined;
          return member ? member.name : `device …${peerId.slice(-6)}`;
        }),
    );
  }
}
