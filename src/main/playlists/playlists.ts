/**
 * The room's playlists on this peer: stored in the library database, changed here or by any
 * member, and announced on the control topic (see shared/playlists/playlist.ts for the rules).
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isLaterEdit, type Playlist, type PlaylistMessage } from '../../shared/playlists/playlist';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

export interface PlaylistsComponents {
  selfId: string;
  db: Database.Database;
  /** Broadcasts a playlist message on the control topic (the caller adds the envelope). */
  publish(message: PlaylistMessage): void | Promise<unknown>;
  /** Calls `listener` with each playlist message from another peer (already validated by the codec). */
  subscribe(
    listener: (from: string, message: PlaylistMessage) => void,
    options: { signal: AbortSignal },
  ): void;
  /** Wall clock, ms (edits are ordered by it). */
  now?: () => number;
  logger?: ComponentLogger;
}

export interface PlaylistsEvents {
  'playlists:changed': { playlist: Playlist };
}

/** No playlist with that id (or it was deleted). */
export class PlaylistNotFoundError extends Error {
  override readonly name = 'PlaylistNotFoundError';
}

interface Row {
  playlist_id: string;
  name: string;
  track_ids: string;
  edited_by: string;
  updated_ms: number;
  deleted: number;
}

const fromRow = (r: Row): Playlist => ({
  id: r.playlist_id,
  name: r.name,
  trackIds: JSON.parse(r.track_ids) as string[],
  editedBy: r.edited_by,
  updatedMs: r.updated_ms,
  deleted: r.deleted === 1,
});

/** See the file comment. */
export class Playlists {
  readonly events: TypedEventTarget<PlaylistsEvents>;
  readonly #c: PlaylistsComponents;
  readonly #now: () => number;
  #controller: AbortController | null = null;

  readonly #log: Logger;

  constructor(components: PlaylistsComponents) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:playlists');
    this.events = new TypedEventTarget<PlaylistsEvents>(this.#log);
    this.#now = components.now ?? Date.now;
  }

  /** Subscribes and announces the playlists this peer holds. Idempotent. */
  start(): void {
    if (this.#controller) return;
    this.#controller = new AbortController();
    this.#c.subscribe((from, message) => this.#receive(from, message), { signal: this.#controller.signal });
    this.announceAll();
  }

  stop(): void {
    this.#controller?.abort();
    this.#controller = null;
  }

  /** Live playlists, by name. */
  list(): Playlist[] {
    return this.#all()
      .filter((p) => !p.deleted)
      .sort((a, b) => a.name.localeCompare(b.name, 'en-US') || a.id.localeCompare(b.id));
  }

  /** One live playlist. */
  get(id: string): Playlist {
    const p = this.#one(id);
    if (!p || p.deleted) throw new PlaylistNotFoundError(`no playlist ${id}`);
    return p;
  }

  /** Creates a playlist (no id) or replaces one's name and tracks (rename, reorder, add, remove). */
  save(change: { id?: string; name: string; trackIds: string[] }): Playlist {
    if (change.id !== undefined) this.get(change.id);
    const previous = change.id === undefined ? null : this.#one(change.id);
    const playlist: Playlist = {
      id: change.id ?? randomBytes(12).toString('base64url'),
      name: change.name,
      trackIds: [...change.trackIds],
      editedBy: this.#c.selfId,
      // Later than the version it replaces even if this clock is behind the last editor's.
      updatedMs: Math.max(this.#now(), (previous?.updatedMs ?? 0) + 1),
      deleted: false,
    };
    this.#store(playlist);
    this.#announce(playlist);
    return playlist;
  }

  /** Deletes a playlist in the whole room. */
  delete(id: string): void {
    const p = this.get(id);
    const tombstone: Playlist = {
      ...p,
      trackIds: [],
      editedBy: this.#c.selfId,
      updatedMs: Math.max(this.#now(), p.updatedMs + 1),
      deleted: true,
    };
    this.#store(tombstone);
    this.#announce(tombstone);
  }

  /** Announces every playlist this peer knows, tombstones too (a member joined or rejoined). */
  announceAll(): void {
    for (const p of this.#all()) this.#announce(p);
  }

  #receive(from: string, message: PlaylistMessage): void {
    const incoming = message.playlist;
    const known = this.#one(incoming.id);
    if (known && !isLaterEdit(incoming, known)) return;
    this.#store(incoming);
    this.#log(`${incoming.deleted ? 'deleted' : 'updated'} "${incoming.name}" from ${from}`);
  }

  #store(p: Playlist): void {
    this.#c.db
      .prepare(
        `INSERT INTO playlists (playlist_id, name, track_ids, edited_by, updated_ms, deleted)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(playlist_id) DO UPDATE SET name = excluded.name, track_ids = excluded.track_ids,
           edited_by = excluded.edited_by, updated_ms = excluded.updated_ms, deleted = excluded.deleted`,
      )
      .run(p.id, p.name, JSON.stringify(p.trackIds), p.editedBy, p.updatedMs, p.deleted ? 1 : 0);
    this.events.emit('playlists:changed', { playlist: p });
  }

  #one(id: string): Playlist | null {
    const row = this.#c.db.prepare('SELECT * FROM playlists WHERE playlist_id = ?').get(id) as
      Row | undefined;
    return row ? fromRow(row) : null;
  }

  #all(): Playlist[] {
    return (this.#c.db.prepare('SELECT * FROM playlists').all() as Row[]).map(fromRow);
  }

  #announce(p: Playlist): void {
    if (!this.#controller) return;
    void this.#publish(p);
  }

  async #publish(p: Playlist): Promise<void> {
    try {
      await this.#c.publish({ type: 'playlist:put', playlist: p });
    } catch (error) {
      // No subscribers yet (a room of one): members get it when they join (announceAll).
      this.#log(`could not announce "${p.name}": ${(error as Error).message}`);
    }
  }
}
