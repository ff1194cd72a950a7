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
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import {
  catalogLimits,
  changesSince,
  chunkRefsOf,
  entryOf,
  splitChange,
  validateCatalogEntry,
  type CatalogChange,
} from '../../shared/swarm/catalog';
import {
  validateCatalogRequest,
  validateEntriesFrame,
  validateListFrame,
  type CatalogListFrame,
  type CatalogRequest,
} from '../../shared/swarm/catalog-stream';
import type { Validator } from '../../shared/validate';
import { decodeJsonFrame, encodeJsonFrame } from '../net/json-frame';
import { validateSwarmMessage, type SwarmMessageOf } from '../../shared/swarm/messages';
import { compareTracks, type TrackInfo } from '../../shared/library/types';
import { sha256Hex, toTrackInfo, type LibraryDb } from '../library';
import { TypedEventTarget, type ListenOptions } from '../../shared/events';
import { MalformedInputError, StreamGuard } from '../net/stream-guard';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, randomHex, type SwarmNode } from './stream-util';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** The catalog delta body this service publishes. */
export type CatalogDelta = SwarmMessageOf<'catalog:delta'>;

/** What the local library must offer: scanner events that may change the set of local tracks. */
export interface CatalogScannerEvents {
  on(
    type: 'track:added' | 'track:removed' | 'scan:done',
    listener: () => void,
    options?: ListenOptions,
  ): void;
}

/** Collaborators of CatalogSync. */
export interface CatalogSyncComponents {
  node: SwarmNode;
  db: LibraryDb;
  /** The library scanner; its events trigger a check for local changes. */
  scanner?: CatalogScannerEvents;
  /** Publishes one body on the control topic. */
  publish: (body: CatalogDelta) => void | Promise<void>;
  /** Delivers control-topic bodies with their verified sender; returns an unsubscribe function. */
  subscribe: (listener: (from: string, body: unknown) => void) => () => void;
  logger?: ComponentLogger;
  /** Benches peers that keep sending malformed requests; shared with the other protocols (default: one of its own). */
  guard?: StreamGuard;
}

/** Options of CatalogSync; every field has a default. */
export interface CatalogSyncInit {
  /** Stream protocol name passed to `node.protocolId` (default `catalog`). */
  protocolName?: string;
  /** Quiet time after a scanner event before the local catalog is compared (default 50 ms). */
  debounceMs?: number;
  /** Time limit of one request on the catalog stream (default 30 s). */
  requestTimeoutMs?: number;
  /** Changes kept to answer `list` since a version (default 256). */
  historySize?: number;
  /**
   * How often the current version is announced again in an empty delta (default 10 s), so a peer
   * that missed a delta (gossip is best effort) notices the gap and catches up.
   */
  announceIntervalMs?: number;
}

/** One track of the room's combined library. */
export type CatalogTrack = TrackInfo & {
  /** Live peers that announced the track (this peer excluded). */
  holders: string[];
  /** Whether one of this peer's own files holds it. */
  local: boolean;
};

/** Events of CatalogSync. */
export interface CatalogSyncEvents extends Record<string, unknown> {
  /** The room's combined library may have changed; `peerId` is null for local changes. */
  'catalog:changed': { peerId: string | null };
}

/** Counters, including rejected input by reason. */
export interface CatalogSyncStats {
  deltasPublished: number;
  deltasApplied: number;
  syncs: number;
  syncFailures: number;
  entriesAccepted: number;
  requestsServed: number;
  dropped: Record<string, number>;
}

interface PeerCatalogState {
  incarnation: string;
  version: number;
  /** Tracks the peer announced, as far as this peer applied them. */
  count: number;
}

/** A peer broke the catalog protocol; the request is abandoned and counted. */
export class CatalogProtocolError extends Error {
  override readonly name = 'CatalogProtocolError';
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** Announces the local catalog and keeps the catalogs of live peers in the index. */
export class CatalogSync extends TypedEventTarget<CatalogSyncEvents> {
  readonly #c: CatalogSyncComponents;
  readonly #protocol: string;
  readonly #debounceMs: number;
  readonly #requestTimeoutMs: number;
  readonly #historySize: number;
  readonly #announceIntervalMs: number;
  readonly #log: Logger;
  readonly #guard: StreamGuard;

  readonly #incarnation = randomHex(8);
  #version = 0;
  #announced = new Set<string>();
  #history: CatalogChange[] = [];
  readonly #peers = new Map<string, PeerCatalogState>();
  readonly #chains = new Map<string, Promise<void>>();
  #controller: AbortController | null = null;
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
    this.#requestTimeoutMs = init.requestTimeoutMs ?? 30_000;
    this.#historySize = init.historySize ?? 256;
    this.#announceIntervalMs = init.announceIntervalMs ?? 10_000;
    this.#log = log;
    this.#guard = components.guard ?? new StreamGuard();
  }

  /** Serves the catalog protocol, announces local changes and syncs with live peers. Idempotent. */
  async start(): Promise<void> {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    const { node, scanner } = this.#c;
    this.#announced = new Set(this.#c.db.localTracks().map((t) => t.id));
    await node.libp2p.handle(
      this.#protocol,
      this.#guard.wrap((stream, connection) => this.#serve(stream, connection, signal)),
      { maxInboundStreams: 16, maxOutboundStreams: 16 },
    );
    for (const type of ['track:added', 'track:removed', 'scan:done'] as const) {
      scanner?.on(type, () => this.#scheduleRefresh(), { signal });
    }
    node.on('peer:connected', ({ peerId }) => this.#enqueue(peerId, () => this.#syncList(peerId)), {
      signal,
    });
    node.on('peer:disconnected', ({ peerId }) => this.emit('catalog:changed', { peerId }), { signal });
    this.#unsubscribe = this.#c.subscribe((from, body) => this.#onMessage(from, body));
    for (const peerId of node.connectedPeers()) this.#enqueue(peerId, () => this.#syncList(peerId));
    const timer = setInterval(() => this.#announce(), this.#announceIntervalMs);
    timer.unref();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }

  /** Stops serving and syncing; undoes everything `start` did. Idempotent. */
  async stop(): Promise<void> {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    controller.abort();
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.#c.node.libp2p.unhandle(this.#protocol).catch(() => undefined);
    await Promise.allSettled([...this.#chains.values()]);
  }

  /** Compares the local library with what was announced and publishes the difference. */
  async refresh(): Promise<void> {
    if (!this.#controller) return;
    const current = new Set(this.#c.db.localTracks().map((t) => t.id));
    const added = [...current].filter((id) => !this.#announced.has(id));
    const removed = [...this.#announced].filter((id) => !current.has(id));
    if (added.length === 0 && removed.length === 0) return;
    this.#announced = current;
    for (const piece of splitChange(added, removed, catalogLimits.maxDeltaIds)) {
      this.#version++;
      this.#history.push({ version: this.#version, ...piece });
      if (this.#history.length > this.#historySize) this.#history.shift();
      this.#stats.deltasPublished++;
      try {
        await this.#c.publish({
          type: 'catalog:delta',
          incarnation: this.#incarnation,
          version: this.#version,
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
      incarnation: this.#incarnation,
      version: this.#version,
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
      for (const { trackId } of db.peerCatalog(peerId)) {
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

  /** Live, synced peers whose catalog lists the track. */
  holdersOf(trackId: string): string[] {
    const live = new Set(this.#livePeers());
    return this.#c.db.peersWithTrack(trackId).filter((p) => live.has(p));
  }

  /** The incarnation and version of the local catalog. */
  localVersion(): { incarnation: string; version: number } {
    return { incarnation: this.#incarnation, version: this.#version };
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
    if (!this.#controller) return;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.refresh().catch((error: unknown) => this.#log(`refresh failed: ${String(error)}`));
    }, this.#debounceMs);
  }

  #enqueue(peerId: string, task: () => Promise<void>): void {
    if (!this.#controller || peerId === this.#c.node.peerId) return;
    const previous = this.#chains.get(peerId) ?? Promise.resolve();
    const next = previous
      .then(() => (this.#controller ? task() : undefined))
      .catch((error: unknown) => {
        this.#stats.syncFailures++;
        if (error instanceof CatalogProtocolError) bump(this.#stats.dropped, error.reason);
        if (this.#controller) this.#log(`sync with ${peerId} failed: ${String(error)}`);
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
    this.#enqueue(from, () => this.#applyDelta(from, delta));
  }

  async #applyDelta(peerId: string, delta: CatalogDelta): Promise<void> {
    const state = this.#peers.get(peerId);
    // A delta without ids only states the sender's version (see `announceIntervalMs`).
    const isChange = delta.added.length + delta.removed.length > 0;
    if (state?.incarnation === delta.incarnation) {
      if (delta.version <= state.version) return;
      if (isChange && delta.version === state.version + 1) {
        if (state.count + delta.added.length > catalogLimits.maxTracksPerPeer)
          throw new CatalogProtocolError('oversizedCatalog', 'too many tracks');
        const accepted = await this.#acceptIds(peerId, delta.added);
        this.#c.db.updatePeerCatalog(peerId, { added: accepted, removed: delta.removed });
        state.version = delta.version;
        state.count += accepted.length - delta.removed.length;
        this.#stats.deltasApplied++;
        this.emit('catalog:changed', { peerId });
        return;
      }
    }
    await this.#syncList(peerId);
  }

  /** Asks `peerId` for its track ids (changes since the last applied version when possible) and applies them. */
  async #syncList(peerId: string): Promise<void> {
    const state = this.#peers.get(peerId);
    const request: CatalogRequest = state
      ? { op: 'list', incarnation: state.incarnation, sinceVersion: state.version }
      : { op: 'list' };
    let head: CatalogListFrame | null = null;
    const added: string[] = [];
    const removed: string[] = [];
    await this.#request(peerId, request, { validate: validateListFrame, malformed: 'malformedList' }, (f) => {
      if (head && (f.incarnation !== head.incarnation || f.version !== head.version || f.full !== head.full))
        throw new CatalogProtocolError('malformedList', 'list frames disagree');
      head ??= f;
      added.push(...f.added);
      removed.push(...f.removed);
      if (added.length > catalogLimits.maxTracksPerPeer || removed.length > catalogLimits.maxTracksPerPeer)
        throw new CatalogProtocolError('oversizedCatalog', 'too many tracks');
      return f.done;
    });
    if (!head) throw new CatalogProtocolError('malformedList', 'no list frame');
    const { incarnation, version, full } = head as CatalogListFrame;
    if (!full && !state) throw new CatalogProtocolError('malformedList', 'a partial list to a first request');
    const accepted = await this.#acceptIds(peerId, added);
    if (full) this.#c.db.setPeerCatalog(peerId, accepted);
    else this.#c.db.updatePeerCatalog(peerId, { added: accepted, removed });
    const count = full ? accepted.length : (state?.count ?? 0) + accepted.length - removed.length;
    this.#peers.set(peerId, { incarnation, version, count });
    this.#stats.syncs++;
    this.emit('catalog:changed', { peerId });
  }

  /** The ids among `trackIds` whose entries this peer has or could fetch and verify from `peerId`. */
  async #acceptIds(peerId: string, trackIds: readonly string[]): Promise<string[]> {
    const { db } = this.#c;
    const unique = [...new Set(trackIds)];
    const unknown = unique.filter((id) => !db.getTrack(id));
    const unknownSet = new Set(unknown);
    const fetched = new Set<string>();
    for (let i = 0; i < unknown.length; i += catalogLimits.maxEntriesPerRequest) {
      const batch = unknown.slice(i, i + catalogLimits.maxEntriesPerRequest);
      const wanted = new Set(batch);
      const frames = { validate: validateEntriesFrame, malformed: 'malformedEntries' };
      await this.#request(peerId, { op: 'entries', trackIds: batch }, frames, (frame) => {
        for (const raw of frame.entries) {
          const entry = validateCatalogEntry(raw, sha256Hex);
          if (!entry.ok) {
            bump(this.#stats.dropped, entry.error.reason === 'forged' ? 'forgedEntry' : 'malformedEntry');
            this.#log(`dropped an entry from ${peerId}: ${entry.error.detail}`);
            continue;
          }
          const { track } = entry.value;
          if (!wanted.has(track.id)) {
            bump(this.#stats.dropped, 'unrequestedEntry');
            continue;
          }
          wanted.delete(track.id);
          // Another peer may have supplied it meanwhile; the first verified copy stays.
          if (!db.getTrack(track.id)) {
            // The cover stays with its holders until it is first shown (CoverFetcher).
            db.putTrack({ ...track, coverHash: null, coverMime: null }, chunkRefsOf(entry.value));
            this.#stats.entriesAccepted++;
          }
          fetched.add(track.id);
        }
        return frame.done;
      });
    }
    return unique.filter((id) => fetched.has(id) || !unknownSet.has(id));
  }

  /**
   * One request on a new catalog stream; each frame of the answer is checked by `frames.validate`
   * (a bad one fails the request with `frames.malformed`), and `onFrame` returns true on the last.
   */
  async #request<F>(
    peerId: string,
    request: CatalogRequest,
    frames: { validate: Validator<F>; malformed: string },
    onFrame: (frame: F) => boolean,
  ): Promise<void> {
    const parent = this.#controller?.signal;
    if (!parent) return;
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#requestTimeoutMs)]);
    const stream = await this.#c.node.libp2p.dialProtocol(peerIdFromString(peerId), this.#protocol, {
      signal,
    });
    try {
      const lp = lpStream(stream, { maxDataLength: catalogLimits.maxFrameBytes });
      await lp.write(encodeJsonFrame(request), { signal });
      for (;;) {
        let frame;
        try {
          frame = await lp.read({ signal });
        } catch (e) {
          if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name))
            throw new CatalogProtocolError('oversizedFrame', e.message);
          throw e;
        }
        const decoded = decodeJsonFrame(frame.subarray(), frames.validate);
        if (!decoded.ok && decoded.error.kind === 'not-json')
          throw new CatalogProtocolError('malformedFrame', 'not JSON');
        if (!decoded.ok) throw new CatalogProtocolError(frames.malformed, decoded.error.detail);
        if (onFrame(decoded.value)) return;
      }
    } finally {
      await closeQuietly(stream);
    }
  }

  async #serve(stream: Stream, connection: Connection, parent: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#requestTimeoutMs)]);
    let malformed: Error | null = null;
    try {
      const lp = lpStream(stream, { maxDataLength: catalogLimits.maxFrameBytes });
      let frame;
      try {
        frame = await lp.read({ signal });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
          bump(this.#stats.dropped, 'oversizedRequest');
          malformed = e;
        }
        return;
      }
      const request = decodeJsonFrame(frame.subarray(), validateCatalogRequest);
      if (!request.ok) {
        bump(this.#stats.dropped, 'malformedRequest');
        malformed = new MalformedInputError(request.error.detail);
        return;
      }
      this.#stats.requestsServed++;
      const write = (value: unknown) => lp.write(encodeJsonFrame(value), { signal });
      if (request.value.op === 'list') await this.#serveList(request.value, write);
      else await this.#serveEntries(request.value.trackIds, write);
    } catch (e) {
      if (!parent.aborted) this.#log(`serving a request failed: ${String(e)}`);
    } finally {
      if (malformed) {
        this.#guard.strike(connection.remotePeer.toString());
        stream.abort(malformed);
      } else {
        await closeQuietly(stream);
      }
    }
  }

  async #serveList(
    request: Extract<CatalogRequest, { op: 'list' }>,
    write: (value: CatalogListFrame) => Promise<void>,
  ): Promise<void> {
    const base = { incarnation: this.#incarnation, version: this.#version };
    const since =
      request.incarnation === this.#incarnation && request.sinceVersion !== undefined
        ? changesSince(this.#history, request.sinceVersion, this.#version)
        : null;
    const added = since ? since.added : [...this.#announced];
    const removed = since ? since.removed : [];
    const per = catalogLimits.maxListIdsPerFrame;
    const frames = Math.max(1, Math.ceil(added.length / per), Math.ceil(removed.length / per));
    for (let i = 0; i < frames; i++) {
      await write({
        ...base,
        full: since === null,
        added: added.slice(i * per, (i + 1) * per),
        removed: removed.slice(i * per, (i + 1) * per),
        done: i === frames - 1,
      });
    }
  }

  async #serveEntries(trackIds: readonly string[], write: (value: unknown) => Promise<void>): Promise<void> {
    const { db } = this.#c;
    let entries: unknown[] = [];
    let missing: string[] = [];
    let packedBytes = 0;
    for (const id of trackIds) {
      const track = this.#announced.has(id) ? db.getTrack(id) : null;
      if (!track) {
        missing.push(id);
        continue;
      }
      const entry = entryOf(track, db.chunkList(id));
      // Rough size: the chunk ids dominate.
      const size = 512 + entry.chunkIds.length * 80;
      if (entries.length > 0 && packedBytes + size > catalogLimits.targetFrameBytes) {
        await write({ entries, missing, done: false });
        entries = [];
        missing = [];
        packedBytes = 0;
      }
      entries.push(entry);
      packedBytes += size;
    }
    await write({ entries, missing, done: true });
  }
}
