import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { GossipSub, Message } from '@libp2p/gossipsub';
import type { Result } from '../../shared/result';
import type { ComponentLogger, Logger } from '../../shared/logger';
import { TypedEventTarget } from '../../shared/events';

/** What a codec makes of a peer's bytes: a value, or why it was refused. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string; ignored?: boolean };

/** A message delivered to listeners: the decoded value and its signature-verified sender. */
export interface ControlMessage<T> {
  value: T;
  /** Peer id of the original sender, proven by the gossipsub signature (not the forwarding neighbour). */
  from: string;
  receivedAtMs: number;
}

/** Counters for status and `debug`. */
export interface ControlChannelCounts {
  published: number;
  /** Publishes that reached no peer (we are alone in the room, or nobody subscribed yet). */
  publishedToNoPeers: number;
  delivered: number;
  /** Messages refused before delivery, by reason (the codec's reasons plus the channel's own). */
  dropped: Record<string, number>;
  /** Listeners that threw; the message still reached the others. */
  listenerErrors: number;
}

/** The part of gossipsub the channel uses. */
export type ControlPubSub = Pick<
  GossipSub,
  'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators' | 'addEventListener' | 'removeEventListener'
>;

export interface ControlChannelComponents {
  pubsub: ControlPubSub;
  /** Scoped as `control`. */
  logger: ComponentLogger;
}

export interface ControlChannelInit<T> {
  topic: string;
  /** Turns a peer's bytes into a value; must not throw, but a throw is caught and counted. */
  decode: (bytes: Uint8Array, fromPeerId: string) => DecodeResult<T>;
  encode: (value: T) => Uint8Array;
  /** Larger messages are dropped without decoding. */
  maxMessageBytes?: number;
  now?: () => number;
}

/** The channel was used before `start()` or after `stop()`. */
/** What a control channel announces: each valid message from another peer (`message:received`). */
export interface ControlChannelEvents<T> {
  'message:received': ControlMessage<T>;
}

export class ControlChannelNotStartedError extends Error {
  override readonly name = 'ControlChannelNotStartedError';
}

/** Gossipsub refused a publish for a reason other than having no peers. */
export class ControlPublishError extends Error {
  override readonly name = 'ControlPublishError';
}

/** Adapts a codec that returns the project's `Result` (error = reason) to the channel's decoder shape. */
export function decoderFromResult<T>(
  decode: (bytes: Uint8Array, fromPeerId: string) => Result<T, string>,
): ControlChannelInit<T>['decode'] {
  return (bytes, fromPeerId) => {
    const result = decode(bytes, fromPeerId);
    return result.ok ? result : { ok: false, reason: result.error };
  };
}

const NO_PEERS = 'PublishError.NoPeersSubscribedToTopic';

/**
 * One gossipsub topic carrying typed messages. Decoding happens in the topic validator,
 * so a message that fails it is neither delivered nor forwarded to other peers.
 */
export class ControlChannel<T> extends TypedEventTarget<ControlChannelEvents<T>> {
  private readonly topic: string;
  private readonly maxMessageBytes: number;
  private readonly now: () => number;
  // The validator and the 'message' event see the same Message object; this carries the
  // decoded value across so each message is decoded once.
  private readonly decoded = new WeakMap<Message, T>();
  private readonly droppedByReason = new Map<string, number>();
  private published = 0;
  private publishedToNoPeers = 0;
  private delivered = 0;
  private controller: AbortController | null = null;

  readonly #log: Logger;

  constructor(
    private readonly components: ControlChannelComponents,
    private readonly init: ControlChannelInit<T>,
  ) {
    const log = components.logger.forComponent('firefly:control');
    super(log);
    this.topic = init.topic;
    this.maxMessageBytes = init.maxMessageBytes ?? 256 * 1024;
    this.now = init.now ?? Date.now;
    this.#log = log;
  }

  /** Subscribes to the topic and installs the validator. */
  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    const { pubsub } = this.components;
    pubsub.topicValidators.set(this.topic, (_propagationSource, message) => this.validate(message));
    pubsub.addEventListener('message', (event) => this.deliver(event.detail), { signal: controller.signal });
    pubsub.subscribe(this.topic);
  }

  /** Unsubscribes and removes the validator; listeners stay registered for a later `start()`. */
  stop(): void {
    if (!this.controller) return;
    this.controller.abort();
    this.controller = null;
    const { pubsub } = this.components;
    pubsub.topicValidators.delete(this.topic);
    try {
      pubsub.unsubscribe(this.topic);
    } catch {
      // gossipsub already stopped with the node
    }
  }

  /** Sends a message to the room; returns how many peers it went to directly (0 is not an error). */
  async publish(value: T): Promise<{ recipients: number }> {
    if (!this.controller)
      throw new ControlChannelNotStartedError(`control channel ${this.topic} is not started`);
    const bytes = this.init.encode(value);
    try {
      const result = await this.components.pubsub.publish(this.topic, bytes);
      this.published += 1;
      if (result.recipients.length === 0) this.publishedToNoPeers += 1;
      return { recipients: result.recipients.length };
    } catch (error) {
      if ((error as Error).message === NO_PEERS) {
        this.published += 1;
        this.publishedToNoPeers += 1;
        return { recipients: 0 };
      }
      throw new ControlPublishError(`publish on ${this.topic} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Counters of published, delivered and dropped messages. */
  counts(): ControlChannelCounts {
    return {
      published: this.published,
      publishedToNoPeers: this.publishedToNoPeers,
      delivered: this.delivered,
      dropped: Object.fromEntries(this.droppedByReason),
      listenerErrors: this.listenerErrors,
    };
  }

  private validate(message: Message): TopicValidatorResult {
    if (message.type !== 'signed') return this.drop('unsigned', TopicValidatorResult.Reject);
    if (message.data.length > this.maxMessageBytes)
      return this.drop('too-large', TopicValidatorResult.Reject);
    let result: DecodeResult<T>;
    try {
      result = this.init.decode(message.data, message.from.toString());
    } catch (error) {
      this.#log.warn(
        `decoder threw on a message from ${message.from.toString()}: ${(error as Error).message}`,
      );
      return this.drop('decoder-threw', TopicValidatorResult.Reject);
    }
    if (!result.ok) {
      // Ignored messages (stale, duplicate) are not the sender's fault: no score penalty.
      return this.drop(
        result.reason,
        result.ignored === true ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject,
      );
    }
    this.decoded.set(message, result.value);
    return TopicValidatorResult.Accept;
  }

  private deliver(message: Message): void {
    if (message.topic !== this.topic || message.type !== 'signed') return;
    if (!this.decoded.has(message)) {
      // Only reachable if another validator replaced ours; never deliver undecoded bytes.
      this.drop('not-validated', TopicValidatorResult.Ignore);
      return;
    }
    const value = this.decoded.get(message) as T;
    this.decoded.delete(message);
    const delivered: ControlMessage<T> = { value, from: message.from.toString(), receivedAtMs: this.now() };
    this.delivered += 1;
    this.emit('message:received', delivered);
  }

  private drop(reason: string, verdict: TopicValidatorResult): TopicValidatorResult {
    this.droppedByReason.set(reason, (this.droppedByReason.get(reason) ?? 0) + 1);
    return verdict;
  }
}
