/** The composition root: one Peer = libp2p node + services, wired the same for the desktop app and the headless peer. */
import { mkdir } from 'node:fs/promises';
import { noise } from '@chainsafe/libp2p-noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { BridgeEvents, BridgeHandlers, DeviceSettings } from '../shared/bridge/contract';
import type { PeerStatus } from '../shared/status';
import type { PeerOptions } from './cli/args';
import { TypedEvents } from './bridge/events';
import { SettingsStore } from './settings';

export interface PeerIdentity {
  peerId: string;
  name: string;
  addrs: string[];
}

/** A running Firefly peer. */
export class Peer {
  readonly events = new TypedEvents<BridgeEvents>();
  readonly handlers: BridgeHandlers;
  readonly settings: SettingsStore;
  #node: Libp2p | null = null;
  #log: string[] = [];

  constructor(readonly options: PeerOptions) {
    this.settings = new SettingsStore(options.dataDir, {
      name: options.name,
      priority: options.priority,
      volume: 1,
      outputOffsetMs: 0,
      channel: 'stereo',
    });
    this.handlers = this.#makeHandlers();
  }

  /** Starts every service; resolves once the peer is reachable. */
  async start(): Promise<PeerIdentity> {
    await mkdir(this.options.dataDir, { recursive: true });
    await this.settings.load();
    this.#node = await createLibp2p({
      addresses: { listen: [`/ip4/${this.options.listenHost}/tcp/${this.options.port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    return this.identity();
  }

  /** Stops every service; safe to call twice. */
  async stop(): Promise<void> {
    const node = this.#node;
    this.#node = null;
    await node?.stop();
    this.events.clear();
  }

  /** Peer id, name and dialable addresses. */
  identity(): PeerIdentity {
    const node = this.#requireNode();
    return {
      peerId: node.peerId.toString(),
      name: this.settings.get().name,
      addrs: node.getMultiaddrs().map((ma) => ma.toString()),
    };
  }

  /** Everything `/api/status`, the REPL and the UI show. */
  status(): PeerStatus {
    const id = this.identity();
    const settings = this.settings.get();
    return {
      self: { peerId: id.peerId, name: id.name, priority: settings.priority, addrs: id.addrs },
      leader: null,
      members: [],
      clock: null,
      playback: { state: 'stopped', trackId: null, positionSec: 0 },
      dropped: {},
      config: {
        libraries: this.options.libraries,
        dataDir: this.options.dataDir,
        port: this.options.port,
        bootstrap: this.options.bootstrap,
        room: this.options.room === 'firefly' ? 'default' : 'custom',
        mdns: this.options.mdns,
        clockOffsetMs: this.options.clockOffsetMs,
        clockSkewPpm: this.options.clockSkewPpm,
      },
      log: [...this.#log],
    };
  }

  #requireNode(): Libp2p {
    if (!this.#node) throw new Error('peer is not running');
    return this.#node;
  }

  #makeHandlers(): BridgeHandlers {
    const notYet = (what: string) => () => {
      throw new NotAvailableError(`${what} is not available yet`);
    };
    return {
      'peer:identity': () => {
        const { peerId, name } = this.identity();
        return { peerId, name };
      },
      'peer:status': () => this.status(),
      'clock:probe': () => {
        const now = performance.timeOrigin + performance.now();
        return { t2: now, t3: now, groupOffsetMs: null, groupErrorMs: null };
      },
      'library:list': () => [],
      'playback:play': notYet('playback'),
      'playback:pause': notYet('playback'),
      'playback:resume': notYet('playback'),
      'playback:stop': notYet('playback'),
      'playback:next': notYet('playback'),
      'playback:prev': notYet('playback'),
      'playback:seek': notYet('playback'),
      'playback:report': () => undefined,
      'settings:get': () => this.settings.get(),
      'settings:set': async (patch: Partial<DeviceSettings>) => {
        const next = await this.settings.update(patch);
        this.events.emit('settings:changed', next);
        return next;
      },
    };
  }
}

/** A request for something this peer cannot do in its current state. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
}
