/**
 * Serving the catalog stream protocol: one request per stream, `list` (this peer's track ids, or
 * the changes since a version) or `entries` (full entries for announced tracks, packed into frames
 * of about `targetFrameBytes`). A malformed or oversized request strikes its peer and aborts the stream.
 */
import type { Connection, Stream } from '@libp2p/interface';
import { catalogLimits, entryOf } from '../../shared/swarm/catalog';
import { validateCatalogRequest } from '../../shared/swarm/catalog-stream';
import type { Logger } from '../../shared/logger';
import type { LibraryDb } from '../library';
import { encodeJsonFrame } from '../net/json-frame';
import type { StreamGuard } from '../net/stream-guard';
import type { LocalCatalog } from './local-catalog';
import { answerOneRequest } from './one-request';

/** What serving needs from CatalogSync. */
export interface CatalogServerComponents {
  db: LibraryDb;
  catalog: LocalCatalog;
  guard: StreamGuard;
  log: Logger;
  /** Counts a request set aside, by reason. */
  drop(reason: string): void;
  /** Counts a request served. */
  served(): void;
  /** Time limit of one request. */
  requestTimeoutMs: number;
}

/** Answers catalog requests from other peers. */
export class CatalogServer {
  readonly #c: CatalogServerComponents;

  constructor(components: CatalogServerComponents) {
    this.#c = components;
  }

  /** Answers the one request on `stream`; `parent` aborts when the service stops. */
  async serve(stream: Stream, connection: Connection, parent: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#c.requestTimeoutMs)]);
    await answerOneRequest(stream, connection, {
      maxBytes: catalogLimits.maxFrameBytes,
      signal,
      stopped: parent,
      guard: this.#c.guard,
      log: this.#c.log,
      drop: (reason) => this.#c.drop(reason),
      validate: validateCatalogRequest,
      answer: async (request, lp) => {
        this.#c.served();
        const write = (value: unknown) => lp.write(encodeJsonFrame(value), { signal });
        if (request.op === 'list') {
          for (const listFrame of this.#c.catalog.listFrames(request)) await write(listFrame);
        } else {
          await this.#serveEntries(request.trackIds, write);
        }
      },
    });
  }

  async #serveEntries(trackIds: readonly string[], write: (value: unknown) => Promise<void>): Promise<void> {
    const { db, catalog } = this.#c;
    let entries: unknown[] = [];
    let missing: string[] = [];
    let packedBytes = 0;
    for (const id of trackIds) {
      const track = catalog.has(id) ? db.getTrack(id) : null;
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
