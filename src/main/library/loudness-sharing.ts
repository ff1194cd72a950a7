/**
 * Shares track loudness with the room: announces what this device's loudness pass reads (and
 * everything it read, when a member joins), and keeps what holders announce for tracks it does
 * not hold itself. See shared/library/loudness-message.ts for why this is a message of its own.
 */
import {
  loudnessMessageLimits,
  type LoudnessEntry,
  type LoudnessMessage,
} from '../../shared/library/loudness-message';
import type { LoudnessPass } from './loudness-pass';
import type { LoudnessStore } from './loudness-store';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

export interface LoudnessSharingComponents {
  store: LoudnessStore;
  pass: LoudnessPass;
  /** Broadcasts on the control topic (the caller adds the envelope). */
  publish(message: LoudnessMessage): void | Promise<unknown>;
  /** Calls `listener` with each loudness message from another peer (already validated by the codec). */
  subscribe(
    listener: (from: string, message: LoudnessMessage) => void,
    options: { signal: AbortSignal },
  ): void;
  /** Told when the loudness of some track in the room changed (the listing shows it). */
  changed(): void;
  logger?: ComponentLogger;
}

/** See the file comment. */
export class LoudnessSharing {
  readonly #c: LoudnessSharingComponents;
  #controller: AbortController | null = null;

  readonly #log: Logger;

  constructor(components: LoudnessSharingComponents) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:loudness');
  }

  /** Starts the pass, announces its readings, and listens for holders'. Idempotent. */
  start(): void {
    if (this.#controller) return;
    this.#controller = new AbortController();
    const { signal } = this.#controller;
    const { pass } = this.#c;
    const offMeasured = pass.events.on('loudness:measured', ({ entries }) => {
      this.#announce(entries);
      this.#c.changed();
    });
    signal.addEventListener('abort', offMeasured, { once: true });
    this.#c.subscribe((from, message) => this.#receive(from, message), { signal });
    pass.start();
  }

  async stop(): Promise<void> {
    this.#controller?.abort();
    this.#controller = null;
    await this.#c.pass.stop();
  }

  /** Announces every reading of this device's own tracks (a member joined). */
  announceAll(): void {
    this.#announce(this.#c.store.local());
  }

  #announce(entries: readonly LoudnessEntry[]): void {
    if (!this.#controller) return;
    for (let i = 0; i < entries.length; i += loudnessMessageLimits.maxEntries) {
      const message: LoudnessMessage = {
        type: 'library:loudness',
        entries: entries.slice(i, i + loudnessMessageLimits.maxEntries),
      };
      Promise.resolve(this.#c.publish(message)).catch((error: unknown) =>
        // A room of one has no subscribers: members hear it when they join (announceAll).
        this.#log(`could not announce: ${(error as Error).message}`),
      );
    }
  }

  #receive(from: string, message: LoudnessMessage): void {
    let stored = 0;
    for (const { trackId, ...loudness } of message.entries)
      if (this.#c.store.putFromPeer(trackId, loudness)) stored++;
    if (stored === 0) return;
    this.#log(`${stored} track${stored === 1 ? '' : 's'} from ${from}`);
    this.#c.changed();
  }
}
