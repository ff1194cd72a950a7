/**
 * Every speaker's output settings, room-wide: announces this device's output on the control topic,
 * keeps the last announcement of every other member, and carries changes one device asks of another
 * (`device:set`, answered with `device:set-reply`). The target applies a change through its own
 * settings (see `apply`), so it persists there as if made on the device itself.
 */
import { randomUUID } from 'node:crypto';
import type {
  DeviceBodies,
  DeviceMessage,
  DeviceOutput,
  DeviceOutputPatch,
} from '../../shared/devices/output';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

export interface DeviceOutputsComponents {
  selfId: string;
  /** Broadcasts a device message on the control topic (the caller adds the envelope). */
  publish(message: DeviceMessage): void | Promise<unknown>;
  /**
   * Calls `listener` with each device message from another peer (already validated by the codec) and the
   * sender's sequence number, which grows with each message it sends.
   */
  subscribe(
    listener: (from: string, message: DeviceMessage, seq: number) => void,
    options: { signal: AbortSignal },
  ): void;
  /** This device's output settings now. */
  output(): DeviceOutput;
  /** Applies a change to this device's own settings (persisted); resolves with the new output. */
  apply(patch: DeviceOutputPatch): Promise<DeviceOutput>;
  logger?: ComponentLogger;
  newRequestId?: () => string;
}

export interface DeviceOutputsInit {
  /** Period of the re-announcement that covers lost messages. */
  announceMs?: number;
  /** How long a change asked of another device waits for its answer. */
  requestTimeoutMs?: number;
}

export interface DeviceOutputsEvents {
  /** Another member's output settings changed (or were first heard). */
  'outputs:changed': { peerId: string; output: DeviceOutput };
}

/** The device asked refused the change; `message` says why. */
export class DeviceSettingsError extends Error {
  override readonly name = 'DeviceSettingsError';
}

/** The device asked did not answer in time (it left, or its messages are lost). */
export class DeviceTimeoutError extends Error {
  override readonly name = 'DeviceTimeoutError';
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** See the file comment. */
export class DeviceOutputs {
  readonly events: TypedEventTarget<DeviceOutputsEvents>;
  readonly #c: DeviceOutputsComponents;
  readonly #announceMs: number;
  readonly #requestTimeoutMs: number;
  readonly #newRequestId: () => string;
  readonly #outputs = new Map<string, DeviceOutput>();
  /**
   * The sequence number of each member's newest announcement. Gossip may deliver an older one last (a
   * periodic announcement relayed through a third peer after a change sent directly): it is dropped, or
   * a group volume computed from it would undo the change.
   */
  readonly #announced = new Map<string, number>();
  #staleAnnouncements = 0;
  readonly #pending = new Map<string, Pending>();
  #controller: AbortController | null = null;

  readonly #log: Logger;

  constructor(components: DeviceOutputsComponents, init: DeviceOutputsInit = {}) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:devices');
    this.events = new TypedEventTarget<DeviceOutputsEvents>(this.#log);
    this.#announceMs = init.announceMs ?? 5000;
    this.#requestTimeoutMs = init.requestTimeoutMs ?? 5000;
    this.#newRequestId = components.newRequestId ?? (() => randomUUID());
  }

  /** Subscribes, announces this device's output, and re-announces periodically. Idempotent. */
  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#c.subscribe((from, message, seq) => this.#receive(from, message, seq), {
      signal: controller.signal,
    });
    const timer = setInterval(() => this.announce(), this.#announceMs);
    timer.unref();
    controller.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    this.announce();
  }

  /** Undoes `start`; requests still waiting fail. */
  stop(): void {
    this.#controller?.abort();
    this.#controller = null;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new DeviceTimeoutError('this peer stopped before the device answered'));
      this.#pending.delete(id);
    }
  }

  /** Tells the room this device's output settings (after a change, or for a member that joined). */
  announce(): void {
    if (!this.#controller) return;
    void this.#publish({ type: 'device:output', output: this.#c.output() });
  }

  /** The last output each other member announced, by peer id. */
  outputs(): ReadonlyMap<string, DeviceOutput> {
    return this.#outputs;
  }

  /** Forgets a member that left. */
  forget(peerId: string): void {
    this.#outputs.delete(peerId);
    this.#announced.delete(peerId);
  }

  /** Announcements dropped because a newer one from the same member had come first. */
  get staleAnnouncements(): number {
    return this.#staleAnnouncements;
  }

  /**
   * Changes the output of device `peerId` (this one or another member) and resolves once that
   * device applied it. Rejects with `DeviceSettingsError` when it refused, `DeviceTimeoutError`
   * when it did not answer.
   */
  async set(peerId: string, patch: DeviceOutputPatch): Promise<void> {
    if (peerId === this.#c.selfId) {
      await this.#c.apply(patch);
      return;
    }
    if (!this.#controller) throw new DeviceTimeoutError('this peer is not running');
    const requestId = this.#newRequestId();
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new DeviceTimeoutError(`the device did not answer within ${this.#requestTimeoutMs} ms`));
      }, this.#requestTimeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer });
    });
    await this.#publish({ type: 'device:set', to: peerId, requestId, patch });
    await done;
    // Its announcement follows the answer; show the change now rather than a moment later.
    const known = this.#outputs.get(peerId);
    if (known) this.#remember(peerId, { ...known, ...patch });
  }

  async #publish(message: DeviceMessage): Promise<void> {
    try {
      await this.#c.publish(message);
    } catch (error) {
      // No subscribers yet (a room of one) or a closing node: the periodic announcement covers it.
      this.#log(`could not publish ${message.type}: ${(error as Error).message}`);
    }
  }

  #receive(from: string, message: DeviceMessage, seq: number): void {
    switch (message.type) {
      case 'device:output': {
        const newest = this.#announced.get(from);
        if (newest !== undefined && seq <= newest) {
          this.#staleAnnouncements++;
          return;
        }
        this.#announced.set(from, seq);
        this.#remember(from, message.output);
        return;
      }
      case 'device:set':
        if (message.to === this.#c.selfId) void this.#applyFor(from, message);
        return;
      case 'device:set-reply': {
        if (message.to !== this.#c.selfId) return;
        const pending = this.#pending.get(message.requestId);
        if (!pending) return;
        this.#pending.delete(message.requestId);
        clearTimeout(pending.timer);
        if (message.error === null) pending.resolve();
        else pending.reject(new DeviceSettingsError(message.error));
        return;
      }
    }
  }

  #remember(peerId: string, output: DeviceOutput): void {
    const before = this.#outputs.get(peerId);
    if (
      before &&
      before.volume === output.volume &&
      before.muted === output.muted &&
      before.channel === output.channel &&
      before.outputOffsetMs === output.outputOffsetMs
    )
      return;
    this.#outputs.set(peerId, output);
    this.events.emit('outputs:changed', { peerId, output });
  }

  async #applyFor(from: string, message: DeviceBodies['device:set']): Promise<void> {
    let error: string | null = null;
    try {
      await this.#c.apply(message.patch);
      this.#log(`${from} changed this device's ${Object.keys(message.patch).join(', ')}`);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    await this.#publish({ type: 'device:set-reply', to: from, requestId: message.requestId, error });
    if (error === null) this.announce();
  }
}
