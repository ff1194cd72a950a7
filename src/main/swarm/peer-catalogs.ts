/**
 * Other peers' catalogs, kept in the index: a delta that follows the last applied version is
 * applied directly, anything else (a first contact, a gap, a restarted peer) asks for the list;
 * entries of tracks this peer does not know yet are fetched, each verified (its track id must name
 * its chunk list) before it enters the index. Every request is one catalog stream, every answer
 * frame checked.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { catalogLimits, chunkRefsOf, validateCatalogEntry } from '../../shared/swarm/catalog';
import {
  validateEntriesFrame,
  validateListFrame,
  type CatalogListFrame,
  type CatalogRequest,
} from '../../shared/swarm/catalog-stream';
import type { SwarmMessageOf } from '../../shared/swarm/messages';
import type { Logger } from '../../shared/logger';
import type { Validator } from '../../shared/validate';
import { sha256Hex, type LibraryDb } from '../library';
import { decodeJsonFrame, encodeJsonFrame } from '../net/json-frame';
import type { CatalogSyncStats } from './catalog-types';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, type SwarmNode } from './stream-util';

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

/** What keeping peers' catalogs needs from CatalogSync. */
export interface PeerCatalogsComponents {
  node: SwarmNode;
  db: LibraryDb;
  log: Logger;
  /** The catalog protocol's id. */
  protocol: string;
  /** Time limit of one request. */
  requestTimeoutMs: number;
  /** Aborts when the service stops; null while it is stopped. */
  signal(): AbortSignal | null;
  /** CatalogSync's counters, which this adds to. */
  stats: CatalogSyncStats;
  /** A peer's catalog changed in the index. */
  changed(peerId: string): void;
}

interface PeerCatalogState {
  incarnation: string;
  version: number;
  /** Tracks the peer announced, as far as this peer applied them. */
  count: number;
}

/** The catalogs of the peers synced in this run. */
export class PeerCatalogs {
  readonly #c: PeerCatalogsComponents;
  readonly #peers = new Map<string, PeerCatalogState>();

  constructor(components: PeerCatalogsComponents) {
    this.#c = components;
  }

  /** Whether `peerId`'s catalog was synced in this run. */
  has(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** Applies a delta from `peerId`, or syncs its list when the delta does not follow the last one applied. */
  async applyDelta(peerId: string, delta: SwarmMessageOf<'catalog:delta'>): Promise<void> {
    const state = this.#peers.get(peerId);
    // A delta without ids only states the sender's version (see `announceIntervalMs`).
    const isChange = delta.added.length + delta.removed.length > 0;
    if (state?.incarnation === delta.incarnation) {
      if (delta.version <= state.version) return;
      if (isChange && delta.version === state.version + 1) {
        if (state.count + delta.added.length > catalogLimits.maxTracksPerPeer)
          throw new CatalogProtocolError('oversizedCatalog', 'too many tracks');
        const accepted = await this.#acceptIds(peerId, delta.added);
        this.#c.db.catalogs.update(peerId, { added: accepted, removed: delta.removed });
        state.version = delta.version;
        state.count += accepted.length - delta.removed.length;
        this.#c.stats.deltasApplied++;
        this.#c.changed(peerId);
        return;
      }
    }
    await this.syncList(peerId);
  }

  /** Asks `peerId` for its track ids (changes since the last applied version when possible) and applies them. */
  async syncList(peerId: string): Promise<void> {
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
    if (full) this.#c.db.catalogs.replace(peerId, accepted);
    else this.#c.db.catalogs.update(peerId, { added: accepted, removed });
    const count = full ? accepted.length : (state?.count ?? 0) + accepted.length - removed.length;
    this.#peers.set(peerId, { incarnation, version, count });
    this.#c.stats.syncs++;
    this.#c.changed(peerId);
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
    const parent = this.#c.signal();
    if (!parent) return;
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#c.requestTimeoutMs)]);
    const stream = await this.#c.node.libp2p.dialProtocol(peerIdFromString(peerId), this.#c.protocol, {
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
            bump(this.#c.stats.dropped, entry.error.reason === 'forged' ? 'forgedEntry' : 'malformedEntry');
            this.#c.log(`dropped an entry from ${peerId}: ${entry.error.detail}`);
            continue;
          }
          const { track } = entry.value;
          if (!wanted.has(track.id)) {
            bump(this.#c.stats.dropped, 'unrequestedEntry');
            continue;
          }
          wanted.delete(track.id);
          // Another peer may have supplied it meanwhile; the first verified copy stays.
          if (!db.getTrack(track.id)) {
            // The cover stays with its holders until it is first shown (CoverFetcher).
            db.putTrack({ ...track, coverHash: null, coverMime: null }, chunkRefsOf(entry.value));
            this.#c.stats.entriesAccepted++;
          }
          fetched.add(track.id);
        }
        return frame.done;
      });
    }
    return unique.filter((id) => fetched.has(id) || !unknownSet.has(id));
  }
}
