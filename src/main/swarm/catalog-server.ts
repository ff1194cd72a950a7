/**
 * Serving the catalog stream protocol: one request per stream, `list` (this peer's track ids, or
 * the changes since a version) or `entries` (full entries for announced tracks, packed into frames
 * of about `targetFrameBytes`). A malformed or oversized request strikes its peer and aborts the stream.
 */
import { lpStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import { catalogLimits, entryOf } from '../../shared/swarm/catalog';
import { validateCatalogRequest } from '../../shared/swarm/catalog-stream';
import type { Logger } from '../../shared/logger';
import type { LibraryDb } from '../library';
import { decodeJsonFrame, encodeJsonFrame } from '../net/json-frame';
import { MalformedInputError, type StreamGuard } from '../net/stream-guard';
import type { LocalCatalog } from './local-catalog';
import { FRAME_LENGTH_ERRORS, closeQuietly } from './stream-util';

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
    let malformed: Error | null = null;
    try {
      const lp = lpStream(stream, { maxDataLength: catalogLimits.maxFrameBytes });
      let frame;
      try {
        frame = await lp.read({ signal });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
          this.#c.drop('oversizedRequest');
          malformed = e;
        }
        return;
      }
      const request = decodeJsonFrame(frame.subarray(), validateCatalogRequest);
      if (!request.ok) {
        this.#c.drop('malformedRequest');
        malformed = new MalformedInputError(request.error.detail);
        return;
      }
      this.#c.served();
      const write = (value: unknown) => lp.write(encodeJsonFrame(value), { signal });
      if (request.value.op === 'list') {
        for (const listFrame of this.#c.catalog.listFrames(request.value)) await write(listFrame);
      } else {
        await this.#serveEntries(request.value.trackIds, write);
      }
    } catch (e) {
      if (!parent.aborted) this.#c.log(`serving a request failed: ${String(e)}`);
    } finally {
      if (malformed) {
        this.#c.guard.strike(connection.remotePeer.toString());
        stream.abort(malformed);
      } else {
        await closeQuietly(stream);
      }
    }
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
