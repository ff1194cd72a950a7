/**
 * The coordinator's edge on the control topic: what it sends must never throw into the service
 * (a failed publish is logged), and what arrives is untrusted (validated here; whatever fails is
 * dropped and counted by reason, never thrown). It also counts the states this peer published.
 * Kept apart so the coordinator reads as the playback logic it is, with the wire's failure
 * handling in one place.
 */
import {
  isPlaybackMessageType,
  validatePlaybackMessage,
  type PlaybackMessage,
  type PlaybackReply,
} from '../../shared/playback/messages';
import type { PlaybackState } from '../../shared/playback/state';
import type { Logger } from '../../shared/logger';

/** Sends playback messages, validates incoming ones, and counts the states sent and the peer input set aside. */
export class PlaybackWire {
  readonly #send: (message: PlaybackMessage) => void | Promise<unknown>;
  readonly #log: Logger;
  readonly #dropped = new Map<string, number>();
  #statesPublished = 0;

  constructor(send: (message: PlaybackMessage) => void | Promise<unknown>, log: Logger) {
    this.#send = send;
    this.#log = log;
  }

  /** Publishes `message`; a failure, thrown or rejected, is logged and goes no further. */
  publish(message: PlaybackMessage): void {
    try {
      const sent = this.#send(message);
      if (sent instanceof Promise) {
        sent.catch((error: unknown) =>
          this.#log.warn(`publishing ${message.type} failed: ${(error as Error).message}`),
        );
      }
    } catch (error) {
      this.#log.warn(`publishing ${message.type} failed: ${(error as Error).message}`);
    }
  }

  /** Publishes this peer's copy of the state (with the answer to a command, if it carries one). */
  publishState(state: PlaybackState, reply: PlaybackReply | null): void {
    this.#statesPublished += 1;
    this.publish({ type: 'playback:state', state, reply });
  }

  /** The message `input` from `from` if it is a valid playback message; otherwise counts it dropped and returns null. */
  accept(from: string, input: unknown): PlaybackMessage | null {
    const checked = validatePlaybackMessage(input);
    if (checked.ok) return checked.value;
    const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
    // Keyed by known types only, so a peer cannot grow the counter table.
    this.drop(isPlaybackMessageType(type) ? `invalid:${type}` : 'invalid');
    this.#log.warn(`dropped a message from ${from}: ${checked.error}`);
    return null;
  }

  /** Counts one piece of peer input set aside for `reason`. */
  drop(reason: string): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1);
  }

  /** States published, and peer input set aside so far by reason. */
  counts(): { statesPublished: number; dropped: Record<string, number> } {
    return { statesPublished: this.#statesPublished, dropped: Object.fromEntries(this.#dropped) };
  }
}
