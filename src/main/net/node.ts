/**
 * A Firefly peer's network node: libp2p (built in `libp2p-config.ts`) with discovery, bootstrap
 * upkeep, peer exchange, the dialling of members heard of (`peer-dialer.ts`), and a debug log of it all.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { GossipSub } from '@libp2p/gossipsub';
import type { Libp2p, PeerInfo } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { BootstrapDialer, parseBootstrapAddress } from './bootstrap';
import type { BootstrapStatus, BootstrapTarget } from './bootstrap';
import { NetEventLog } from './event-log';
import type { NetLogEntry } from './event-log';
import { silentLogger, type ComponentLogger } from '../../shared/logger';
import { buildLibp2p, type PeerServices } from './libp2p-config';
import { loadOrCreatePeerKey } from './peer-key';
import { PeerDialer } from './peer-dialer';
import { PeerExchange } from './peer-exchange';
import { roomProtocol } from './room';
import type { Room } from './room';
import { TypedEventTarget } from '../../shared/events';

/** Options of `createPeerNode`. */
export interface PeerNodeInit {
  room: Room;
  /** Folder for the peer key (`<dataDir>/peer-key`); created if missing. */
  dataDir: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Address to listen on: `0.0.0.0` (default, reachable on the LAN) or `127.0.0.1`, or an IPv6 literal. */
  listenHost?: string;
  /** `host:port` or multiaddr entries; kept connected with backoff redial. */
  bootstrap?: readonly string[];
  /**
   * Multiaddrs other peers are told to dial, instead of the listening addresses (port forwarding, a proxy in
   * front of the peer); empty: the listening addresses.
   */
  announce?: readonly string[];
  /** Multicast discovery on every interface. Required on purpose: tests must opt out explicitly. */
  mdns: boolean;
  /** How often mDNS asks the LAN; answers also arrive whenever another peer asks. */
  mdnsIntervalMs?: number;
  dialTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Gossipsub heartbeat; low so meshes form soon after peers connect. */
  heartbeatMs?: number;
  /** Gossipsub topics allowed besides the room's control topic. */
  extraTopics?: readonly string[];
  /** Entries kept in the debug event log. */
  eventLogSize?: number;
  logger?: ComponentLogger;
}

/** Events of a `PeerNode`. */
export interface PeerNodeEvents extends Record<string, unknown> {
  'peer:connected': { peerId: string };
  'peer:disconnected': { peerId: string };
  'net:event': NetLogEntry;
}

/** A bootstrap entry that does not parse. */
export class BadBootstrapAddressError extends Error {
  override readonly name = 'BadBootstrapAddressError';
}

/** An `--announce` entry that is not a multiaddr. */
export class BadAnnounceAddressError extends Error {
  override readonly name = 'BadAnnounceAddressError';
}

/** A running Firefly network node: libp2p with pnet, gossipsub, discovery and bootstrap upkeep. */
export class PeerNode extends TypedEventTarget<PeerNodeEvents> {
  /** This peer's id, stable across restarts with the same data folder. */
  readonly peerId: string;
  private readonly controller = new AbortController();
  private stopped: Promise<void> | null = null;
  private readonly eventLog: NetEventLog;
  private readonly bootstrapDialer: BootstrapDialer;
  private readonly peerExchange: PeerExchange;
  private readonly logger: ComponentLogger;
  private readonly dialer: PeerDialer;

  /** @internal use `createPeerNode` */
  constructor(
    readonly libp2p: Libp2p<PeerServices>,
    readonly room: Room,
    options: {
      targets: BootstrapTarget[];
      dialTimeoutMs: number;
      initialBackoffMs?: number;
      maxBackoffMs?: number;
      eventLogSize?: number;
      logger: ComponentLogger;
    },
  ) {
    super(options.logger.forComponent('firefly:net'));
    this.peerId = libp2p.peerId.toString();
    this.logger = options.logger;
    this.eventLog = new NetEventLog(options.eventLogSize ?? 200);
    this.dialer = new PeerDialer(
      { libp2p, selfId: this.peerId, signal: this.controller.signal, record: (entry) => this.record(entry) },
      { dialTimeoutMs: options.dialTimeoutMs },
    );
    const components = { libp2p, eventLog: this.eventLog, logger: this.logger };
    this.bootstrapDialer = new BootstrapDialer(components, {
      targets: options.targets,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      dialTimeoutMs: options.dialTimeoutMs,
    });
    this.peerExchange = new PeerExchange(
      { ...components, onPeer: (entry) => this.dialer.dial(entry.peerId, entry.addrs, 'peer-exchange') },
      { protocol: roomProtocol(room, 'peers'), timeoutMs: options.dialTimeoutMs },
    );
  }

  /** The gossipsub service, for the control channel. */
  get pubsub(): GossipSub {
    return this.libp2p.services.pubsub;
  }

  /** Room-scoped protocol id for a stream service, e.g. `protocolId('clock')` → `/firefly/<hash>/clock/1.0.0`. */
  protocolId(name: string, version?: string): string {
    return roomProtocol(this.room, name, version);
  }

  /** Addresses other peers can dial, each ending in `/p2p/<peerId>`. */
  listenAddrs(): string[] {
    return this.libp2p.getMultiaddrs().map(String);
  }

  /** Ids of the peers with at least one open connection. */
  connectedPeers(): string[] {
    return this.libp2p.getPeers().map(String);
  }

  /** Round-trip time to a connected peer, in milliseconds. */
  async ping(peerId: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.libp2p.services.ping.ping(peerIdFromString(peerId), options);
  }

  /** The bounded debug log: dials and why they failed, connects, discoveries, dropped input. */
  netEvents(): NetLogEntry[] {
    return this.eventLog.list();
  }

  /** Where each bootstrap entry stands. */
  bootstrapStatus(): BootstrapStatus[] {
    return this.bootstrapDialer.status();
  }

  /** Counts of rejected peer-exchange answers, by reason. */
  droppedInput(): Record<string, number> {
    return this.peerExchange.dropped();
  }

  /** Closes every connection, timer and listener; safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.controller.abort();
      this.bootstrapDialer.stop();
      await this.peerExchange.stop().catch(() => {});
      await this.libp2p.stop();
    })();
    return this.stopped;
  }

  /**
   * Connects to a room member heard of in the control channel (its heartbeat names its addresses)
   * if there is no connection yet. Rooms found through one bootstrap peer thus become fully
   * connected, so every message goes straight to every member. Addresses that do not parse are
   * skipped; a failed dial is logged like any other.
   */
  dialMember(peerId: string, addrs: readonly string[]): void {
    this.dialer.dialMember(peerId, addrs);
  }

  /** @internal */
  async start(mdnsDiscovery: EventTarget | null): Promise<void> {
    const { signal } = this.controller;
    const { libp2p } = this;
    libp2p.addEventListener(
      'peer:connect',
      (event) => {
        const peerId = event.detail.toString();
        this.record({ kind: 'peer:connected', peerId });
        this.emit('peer:connected', { peerId });
      },
      { signal },
    );
    libp2p.addEventListener(
      'peer:disconnect',
      (event) => {
        const peerId = event.detail.toString();
        this.record({ kind: 'peer:disconnected', peerId });
        this.emit('peer:disconnected', { peerId });
      },
      { signal },
    );
    // libp2p 3 only reports discovered peers; dialling them is ours to do.
    libp2p.addEventListener(
      'peer:discovery',
      (event) => this.dialer.dial(event.detail.id, event.detail.multiaddrs, 'discovery'),
      { signal },
    );
    // libp2p raises peer:discovery only for peers new to its store, so a peer that restarts
    // would never be redialled; mDNS answers arrive every interval and cover that case.
    mdnsDiscovery?.addEventListener(
      'peer',
      (event) => {
        const info = (event as CustomEvent<PeerInfo>).detail;
        this.dialer.dial(info.id, info.multiaddrs, 'mdns');
      },
      { signal },
    );
    await libp2p.start();
    await this.peerExchange.start();
    this.bootstrapDialer.start();
    this.logger.forComponent('firefly:net')(
      `peer ${this.peerId} listening on ${this.listenAddrs().join(', ')}`,
    );
  }

  private record(entry: Parameters<NetEventLog['add']>[0]): void {
    this.emit('net:event', this.eventLog.add(entry));
  }
}

/**
 * Creates and starts a peer node. Throws `BadBootstrapAddressError` for an unparsable bootstrap entry and
 * `BadAnnounceAddressError` for an announce entry that is not a multiaddr.
 */
export async function createPeerNode(init: PeerNodeInit): Promise<PeerNode> {
  const logger = init.logger ?? silentLogger;
  const targets: BootstrapTarget[] = [];
  for (const text of init.bootstrap ?? []) {
    const parsed = parseBootstrapAddress(text);
    if (!parsed.ok) throw new BadBootstrapAddressError(parsed.error);
    targets.push(parsed.value);
  }
  const dialTimeoutMs = init.dialTimeoutMs ?? 5_000;
  const host = init.listenHost ?? '0.0.0.0';
  const listen = `${host.includes(':') ? '/ip6' : '/ip4'}/${host}/tcp/${init.port ?? 0}`;
  const announce = (init.announce ?? []).map((text) => {
    try {
      return multiaddr(text).toString();
    } catch (error) {
      throw new BadAnnounceAddressError(
        `announce address ${JSON.stringify(text)} is not a multiaddr (${String(error)})`,
      );
    }
  });
  const privateKey = await loadOrCreatePeerKey(init.dataDir);
  const { libp2p, mdnsDiscovery } = await buildLibp2p({
    room: init.room,
    privateKey,
    listen,
    announce,
    dialTimeoutMs,
    mdns: init.mdns,
    mdnsIntervalMs: init.mdnsIntervalMs,
    heartbeatMs: init.heartbeatMs,
    extraTopics: init.extraTopics,
  });

  const node = new PeerNode(libp2p, init.room, {
    targets,
    dialTimeoutMs,
    initialBackoffMs: init.initialBackoffMs,
    maxBackoffMs: init.maxBackoffMs,
    eventLogSize: init.eventLogSize,
    logger,
  });
  try {
    await node.start(mdnsDiscovery);
  } catch (error) {
    await node.stop().catch(() => {});
    throw error;
  }
  return node;
}
