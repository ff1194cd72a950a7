/**
 * Catalog sync: every peer tells the room which tracks it holds, and learns what the others hold.
 *
 * - Changes of the local library are announced as `catalog:delta` on the control topic: track ids
 *   only, numbered by a per-run `incarnation` and a `version` that grows by one per delta.
 * - Full entries (tags and chunk lists) travel over the catalog stream protocol. `list` returns the
 *   ids (changes since a version of the same incarnation, or all of them); `entries` returns the
 *   entries for ids the asker does not know yet, so known tracks never cross the wire twice.
 * - When a peer connects, its list is requested. A delta that follows the last applied version is
 *   applied directly; a gap (a missed delta, a restarted peer) triggers a `list` since the last
 *   version this peer applied.
 * - Every entry is checked (`validateCatalogEntry`), including that its track id names its chunk
 *   list; an entry for a track the index already has is not written again, so a peer cannot change
 *   a local track's tags.
 *
 * Work per remote peer runs one task at a time, so deltas and syncs of one peer never interleave.
 *
 * This file is the service: announcing local changes and keeping peers' catalogs current. This
 * peer's own catalog is `local-catalog.ts`; answering requests `catalog-server.ts`; other peers'
 * catalogs (deltas, lists, verified entries) `peer-catalogs.ts`; the service's public types
 * `catalog-types.ts`.
 */
import { catalogLimits, splitChange } from '../../shared/swarm/catalog';
import { validateSwarmMessage } from '../../shared/swarm/messages';
import { compareTracks } from '../../shared/library/types';
import { toTrackInfo } from '../library';
import { TypedEventTarget } from '../../shared/events';
import { ProtocolHandle } from '../net/protocol-handle';
import { StreamGuard } from '../net/stream-guard';
import { CatalogProtocolError, PeerCatalogs } from './peer-catalogs';
import { CatalogServer } from './catalog-server';
import { LocalCatalog } from './local-catalog';
import { bump } from './stream-util';
import { silentLogger, type Logger } from '../../shared/logger';
import type {
  CatalogDelta,
  CatalogSyncComponents,
  CatalogSyncEvents,
  CatalogSyncInit,
  CatalogSyncStats,
  CatalogTrack,
} from './catalog-types';

export type * from './catalog-types';

/** Announces the local catalog and keeps the catalogs of live peers in the index. */
export class CatalogSync extends TypedEventTarget<CatalogSyncEvents> {
  readonly #c: CatalogSyncComponents;
  readonly #protocol: string;
  readonly #debounceMs: number;
  readonly #announceIntervalMs: number;
  readonly #log: Logger;
  readonly #guard: StreamGuard;
  readonly #catalog: LocalCatalog;
  readonly #server: CatalogServer;
  readonly #peers: PeerCatalogs;

  readonly #chains = new Map<string, Promise<void>>();
  readonly #handle: ProtocolHandle;
  #debounce: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #stats: CatalogSyncStats = {
    deltasPublished: 0,
    deltasApplied: 0,
    syncs: 0,
    syncFailures: 0,
    entriesAccepted: 0,
    requestsServed: 0,
    dropped: {},
  };

  constructor(components: CatalogSyncComponents, init: CatalogSyncInit = {}) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:catalog');
    super(log);
    this.#c = components;
    this.#protocol = components.node.protocolId(init.protocolName ?? 'catalog');
    this.#debounceMs = init.debounceMs ?? 50;
    const requestTimeoutMs = init.requestTimeoutMs ?? 30_000;
    this.#announceIntervalMs = init.announceIntervalMs ?? 10_000;
    this.#log = log;
    this.#guard = components.guard ?? new StreamGuard();
    this.#catalog = new LocalCatalog(init.historySize ?? 256);
    const drop = (reason: string) => bump(this.#stats.dropped, reason);
    this.#server = new CatalogServer({
      db: components.db,
      catalog: this.#catalog,
      guard: this.#guard,
      log,
      drop,
      served: () => this.#stats.requestsServed++,
      requestTimeoutMs,
    });
    this.#peers = new PeerCatalogs({
      node: components.node,
      db: components.db,
      log,
      protocol: this.#protocol,
      requestTimeoutMs,
      signal: () => this.#handle.signal,
      stats: this.#stats,
      changed: (peerId) => this.emit('catalog:changed', { peerId }),
    });
    const server = this.#server;
    this.#handle = new ProtocolHandle(components.node.libp2p, {
      protocol: this.#protocol,
      guard: this.#guard,
      serve: (stream, connection, signal) => server.serve(stream, connection, signal),
      maxInboundStreams: 16,
      maxOutboundStreams: 16,
    });
  }

  /** Serves the catalog protocol, announces local changes and syncs with live peers. Idempotent. */
  async start(): Promise<void> {
    if (this.#handle.started) return;
    const { node, scanner } = this.#c;
    this.#catalog.reset(this.#c.db.localTracks().map((t) => t.id));
    const signal = await this.#handle.start();
    if (!signal) return;
    for (const type of ['track:added', 'track:removed', 'scan:done'] as const) {
      scanner?.on(type, () => this.#scheduleRefresh(), { signal });
    }
    node.on('peer:connected', ({ peerId }) => this.#enqueue(peerId, () => this.#peers.syncList(peerId)), {
      signal,
    });
    node.on('peer:disconnected', ({ peerId }) => this.emit('catalog:changed', { peerId }), { signal });
    this.#unsubscribe = this.#c.subscribe((from, body) => this.#onMessage(from, body));
    for (const peerId of node.connectedPeers()) this.#enqueue(peerId, () => this.#peers.syncList(peerId));
    const timer = setInterval(() => this.#announce(), this.#announceIntervalMs);
    timer.unref();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }

  /** Stops serving and syncing; undoes everything `start` did. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#handle.started) return;
    const stopped = this.#handle.stop();
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await stopped;
    await Promise.allSettled([...this.#chains.values()]);
  }
  /** Compares the local library with what was announced and publishes the difference. */
  async refresh(): Promise<void> {
    if (!this.#handle.started) return;
    const { added, removed } = this.#catalog.diff(new Set(this.#c.db.localTracks().map((t) => t.id)));
    if (added.length === 0 && removed.length === 0) return;
    for (const piece of splitChange(added, removed, catalogLimits.maxDeltaIds)) {
      const version = this.#catalog.record(piece);
      this.#stats.deltasPublished++;
      try {
        await this.#c.publish({
          type: 'catalog:delta',
          incarnation: this.#catalog.incarnation,
          version,
          ...piece,
        });
      } catch (error) {
        // Peers that miss a delta catch up by asking for the versions since their last one.
        this.#log(`publishing a delta failed: ${String(error)}`);
      }
    }
    this.emit('catalog:changed', { peerId: null });
  }

  #announce(): void {
    const delta: CatalogDelta = {
      type: 'catalog:delta',
      incarnation: this.#catalog.incarnation,
      version: this.#catalog.version,
      added: [],
      removed: [],
    };
    Promise.resolve(this.#c.publish(delta)).catch(() => undefined);
  }

  /**
   * The room's combined library: this peer's tracks and those of every live peer whose catalog
   * was synced in this run, ordered by artist, album, track number, title.
   */
  roomTracks(): CatalogTrack[] {
    const { db } = this.#c;
    const out = new Map<string, CatalogTrack>();
    for (const t of db.localTracks()) out.set(t.id, { ...toTrackInfo(t), holders: [], local: true });
    for (const peerId of this.#livePeers()) {
      for (const { trackId } of db.catalogs.entries(peerId)) {
        let entry = out.get(trackId);
        if (!entry) {
          const track = db.getTrack(trackId);
          if (!track) continue;
          entry = { ...toTrackInfo(track), holders: [], local: false };
          out.set(trackId, entry);
        }
        entry.holders.push(peerId);
      }
    }
    return [...out.values()].sort(compareTracks);
  }

  /**
   * One track of the room's library as `roomTracks` lists it (holders in database order), or null; found
   * by id. Listing the whole room for one track cost a fetching peer 400 ms of a first play's start (its
   * status, every range request and every lookup listed it).
   */
  roomTrack(trackId: string): CatalogTrack | null {
    const { db } = this.#c;
    const local = db.isLocalTrack(trackId);
    const holders = this.holdersOf(trackId);
    if (!local && holders.length === 0) return null;
    const track = db.getTrack(trackId);
    return track ? { ...toTrackInfo(track), holders, local } : null;
  }

  /** Live, synced peers whose catalog lists the track. */
  holdersOf(trackId: string): string[] {
    const live = new Set(this.#livePeers());
    return this.#c.db.catalogs.peersWith(trackId).filter((p) => live.has(p));
  }
  /** The incarnation and version of the local catalog. */
  localVersion(): { incarnation: string; version: number } {
    return { incarnation: this.#catalog.incarnation, version: this.#catalog.version };
  }

  /** Resolves when every queued sync and delta of `peerId` (or of every peer) has been handled. */
  async idle(peerId?: string): Promise<void> {
    for (;;) {
      const chains =
        peerId === undefined ? [...this.#chains.values()] : [this.#chains.get(peerId) ?? Promise.resolve()];
      await Promise.allSettled(chains);
      const after = peerId === undefined ? [...this.#chains.values()] : [this.#chains.get(peerId)];
      if (after.every((c, i) => c === chains[i] || c === undefined)) return;
    }
  }

  /** Whether this peer has synced `peerId`'s catalog in this run. */
  hasSynced(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** Counters since construction. */
  stats(): CatalogSyncStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  #livePeers(): string[] {
    return this.#c.node.connectedPeers().filter((p) => this.#peers.has(p));
  }

  #scheduleRefresh(): void {
    if (!this.#handle.started) return;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.refresh().catch((error: unknown) => this.#log(`refresh failed: ${String(error)}`));
    }, this.#debounceMs);
  }

  #enqueue(peerId: string, task: () => Promise<void>): void {
    if (!this.#handle.started || peerId === this.#c.node.peerId) return;
    const previous = this.#chains.get(peerId) ?? Promise.resolve();
    const next = previous
      .then(() => (this.#handle.started ? task() : undefined))
      .catch((error: unknown) => {
        this.#stats.syncFailures++;
        if (error instanceof CatalogProtocolError) bump(this.#stats.dropped, error.reason);
        if (this.#handle.started) this.#log(`sync with ${peerId} failed: ${String(error)}`);
      })
      .finally(() => {
        if (this.#chains.get(peerId) === next) this.#chains.delete(peerId);
      });
    this.#chains.set(peerId, next);
  }

  #onMessage(from: string, body: unknown): void {
    if (typeof body === 'object' && body !== null && (body as { type?: unknown }).type !== 'catalog:delta')
      return;
    const checked = validateSwarmMessage(body);
    if (!checked.ok) {
      bump(this.#stats.dropped, 'malformedDelta');
      return;
    }
    const delta = checked.value;
    if (from === this.#c.node.peerId) return;
    this.#enqueue(from, () => this.#peers.applyDelta(from, delta));
  }
}
