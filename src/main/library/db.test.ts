import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChunkRef } from '../../shared/library/types';
import { LibraryDb, type TrackRecord } from './db';
import { MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError, migrate } from './schema';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Builder for stored tracks: `aTrack('x').by('Artist').on('Album', 3)`. */
const aTrack = (seed: string) => {
  const track: TrackRecord = {
    id: hex(`track:${seed}`),
    title: seed,
    artist: '',
    album: '',
    trackNo: null,
    durationSec: 180,
    codec: 'mp3',
    container: 'MPEG',
    sizeBytes: 3_000_000,
    hasCover: false,
    coverHash: null,
    coverMime: null,
    chunkCount: 3,
  };
  const builder = {
    track,
    by: (artist: string) => ((track.artist = artist), builder),
    on: (album: string, trackNo: number | null = null) => (
      (track.album = album),
      (track.trackNo = trackNo),
      builder
    ),
    withCover: (hash: string) => (
      (track.coverHash = hash),
      (track.coverMime = 'image/png'),
      (track.hasCover = true),
      builder
    ),
  };
  return builder;
};

const chunksOf = (track: TrackRecord): ChunkRef[] =>
  Array.from({ length: track.chunkCount }, (_, i) => ({
    index: i,
    chunkId: hex(`${track.id}:${i}`),
    offsetBytes: i * 1000,
    lengthBytes: 1000,
  }));

describe('LibraryDb', () => {
  let dir: string;
  let db: LibraryDb;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firefly-db-'));
    db = LibraryDb.open(join(dir, 'library.sqlite'));
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the current schema in WAL mode', () => {
    expect(db.schemaVersion).toBe(SCHEMA_VERSION);
    expect(db.openedAtVersion).toBe(0);
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('records files, lists local tracks in artist/album/track/title order, and serves chunk lists', () => {
    const b2 = aTrack('Second').by('Beta').on('One', 2).track;
    const b1 = aTrack('First').by('beta').on('One', 1).track;
    const a = aTrack('Zed').by('Alpha').on('Z').track;
    const untitled = aTrack('No Artist').track;
    for (const [i, t] of [b2, b1, a, untitled].entries()) {
      const update = db.recordFile(
        { path: `/music/${i}.mp3`, sizeBytes: t.sizeBytes, mtimeMs: 1000 + i },
        t,
        chunksOf(t),
      );
      expect(update).toEqual({ trackAdded: true, trackRemoved: null });
    }
    expect(db.localTracks().map((t) => t.title)).toEqual(['No Artist', 'Zed', 'First', 'Second']);
    expect(db.chunkList(a.id)).toEqual(chunksOf(a));
    expect(db.getTrack(a.id)).toEqual(a);

    const states = db.fileStates();
    expect(states.size).toBe(4);
    expect(states.get('/music/2.mp3')).toEqual({ sizeBytes: a.sizeBytes, mtimeMs: 1002, trackId: a.id });

    const chunk = chunksOf(a)[1]!;
    expect(db.chunkSources(chunk.chunkId)).toEqual([
      { path: '/music/2.mp3', offsetBytes: 1000, lengthBytes: 1000 },
    ]);
    expect(db.isLocalChunk(chunk.chunkId)).toBe(true);
    expect(db.isLocalChunk(hex('nothing'))).toBe(false);
    expect(db.localChunksOf(a.id)).toEqual(new Set(chunksOf(a).map((c) => c.chunkId)));
    // A track only announced by a peer: the chunks it shares with a local file are here, the rest not.
    const remote = aTrack('Remote').track;
    const remoteChunks = chunksOf(remote).map((c, i) => (i === 0 ? { ...c, chunkId: chunk.chunkId } : c));
    db.putTrack(remote, remoteChunks);
    expect(db.localChunksOf(remote.id)).toEqual(new Set([chunk.chunkId]));
    expect(db.localChunksOf(hex('unknown'))).toEqual(new Set());
  });

  it('shares one track between identical files and drops it with the last file', () => {
    const t = aTrack('Dup').track;
    expect(db.recordFile({ path: '/a.mp3', sizeBytes: 1, mtimeMs: 1 }, t, chunksOf(t)).trackAdded).toBe(true);
    expect(db.recordFile({ path: '/b.mp3', sizeBytes: 1, mtimeMs: 1 }, t, chunksOf(t)).trackAdded).toBe(
      false,
    );
    expect(db.localTracks()).toHaveLength(1);
    expect(db.filesOfTrack(t.id)).toEqual(['/a.mp3', '/b.mp3']);
    expect(db.removeFile('/a.mp3')).toBeNull();
    expect(db.removeFile('/b.mp3')).toBe(t.id);
    expect(db.getTrack(t.id)).toBeNull();
    expect(db.chunkList(t.id)).toEqual([]);
    expect(db.removeFile('/never.mp3')).toBeNull();
  });

  it('reports the old track as removed when a path gets new content, and cleans its cover', () => {
    const cover = { hash: hex('png'), mime: 'image/png', bytes: new Uint8Array([1, 2, 3]) };
    const before = aTrack('v1').withCover(cover.hash).track;
    const after = aTrack('v2').track;
    db.recordFile({ path: '/x.flac', sizeBytes: 1, mtimeMs: 1 }, before, chunksOf(before), cover);
    expect(db.cover(cover.hash)).toEqual({ mime: 'image/png', bytes: cover.bytes });
    const update = db.recordFile({ path: '/x.flac', sizeBytes: 2, mtimeMs: 2 }, after, chunksOf(after));
    expect(update).toEqual({ trackAdded: true, trackRemoved: before.id });
    expect(db.getTrack(before.id)).toBeNull();
    expect(db.cover(cover.hash)).toBeNull();
  });

  it('remembers that peers hold a cover for a remote track, and keeps one fetched from them', () => {
    const remote: TrackRecord = { ...aTrack('Remote').track, hasCover: true };
    db.putTrack(remote, chunksOf(remote));
    expect(db.getTrack(remote.id)).toMatchObject({ hasCover: true, coverHash: null, coverMime: null });
    const bare = aTrack('Bare').track;
    db.putTrack(bare, chunksOf(bare));
    expect(db.getTrack(bare.id)?.hasCover).toBe(false);

    const image = { hash: hex('jpeg'), mime: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 1]) };
    expect(db.setCover(remote.id, image)).toBe(true);
    expect(db.getTrack(remote.id)).toMatchObject({
      hasCover: true,
      coverHash: image.hash,
      coverMime: 'image/jpeg',
    });
    expect(db.cover(image.hash)).toEqual({ mime: 'image/jpeg', bytes: image.bytes });
    // A track that already has a cover, or that is unknown, keeps what it has.
    const other = { hash: hex('other'), mime: 'image/png', bytes: new Uint8Array([9]) };
    expect(db.setCover(remote.id, other)).toBe(false);
    expect(db.setCover(hex('nothing'), other)).toBe(false);
    expect(db.cover(other.hash)).toBeNull();
    expect(db.getTrack(remote.id)?.coverHash).toBe(image.hash);
  });

  it('keeps a track that a peer still announces, but not as local', () => {
    const t = aTrack('Shared').track;
    db.recordFile({ path: '/s.ogg', sizeBytes: 1, mtimeMs: 1 }, t, chunksOf(t));
    db.catalogs.replace('peerA', [t.id], 5);
    expect(db.removeFile('/s.ogg')).toBe(t.id);
    expect(db.getTrack(t.id)?.title).toBe('Shared');
    expect(db.isLocalTrack(t.id)).toBe(false);
    expect(db.localTracks()).toEqual([]);
    expect(db.allTracks().map((x) => x.id)).toEqual([t.id]);
    expect(db.catalogs.peersWith(t.id)).toEqual(['peerA']);
    expect(db.isLocalChunk(chunksOf(t)[0]!.chunkId)).toBe(false);
  });

  it('applies catalog deltas and full replacements', () => {
    const [x, y, z] = ['x', 'y', 'z'].map(hex) as [string, string, string];
    db.catalogs.replace('p', [x, y], 10);
    db.catalogs.update('p', { added: [z], removed: [x] }, 20);
    expect(db.catalogs.entries('p')).toEqual(
      [
        { trackId: y, updatedAtMs: 10 },
        { trackId: z, updatedAtMs: 20 },
      ].sort((a, b) => (a.trackId < b.trackId ? -1 : 1)),
    );
    db.catalogs.replace('p', [], 30);
    expect(db.catalogs.entries('p')).toEqual([]);
  });

  it('remembers skipped files and forgets them once the file is added', () => {
    const t = aTrack('Fixed').track;
    db.recordSkipped('/bad.mp3', 10, 1, 'no audio stream found');
    expect(db.skippedFiles()).toEqual([{ path: '/bad.mp3', reason: 'no audio stream found' }]);
    expect(db.skippedStates().get('/bad.mp3')).toEqual({
      sizeBytes: 10,
      mtimeMs: 1,
      reason: 'no audio stream found',
    });
    db.recordFile({ path: '/bad.mp3', sizeBytes: 20, mtimeMs: 2 }, t, chunksOf(t));
    expect(db.skippedFiles()).toEqual([]);
    // A file that was fine and became unreadable stops being a track.
    expect(db.recordSkipped('/bad.mp3', 5, 3, 'truncated')).toBe(t.id);
    expect(db.localTracks()).toEqual([]);
  });

  it('stores settings as JSON and validates on read', () => {
    expect(db.getSetting('volume', 1)).toBe(1);
    db.setSetting('volume', 0.5);
    db.setSetting('folders', ['/a', '/b']);
    expect(db.getSetting('volume', 1)).toBe(0.5);
    expect(db.getSetting<string[]>('folders', [])).toEqual(['/a', '/b']);
    const isString = (v: unknown): v is string => typeof v === 'string';
    expect(db.getSetting('volume', 'fallback', isString)).toBe('fallback');
    db.setSetting('volume', undefined);
    expect(db.getSetting('volume', 1)).toBe(1);
  });

  it('persists across reopen', () => {
    const t = aTrack('Kept').track;
    db.recordFile({ path: '/k.wav', sizeBytes: 1, mtimeMs: 1 }, t, chunksOf(t));
    db.close();
    db = LibraryDb.open(join(dir, 'library.sqlite'));
    expect(db.openedAtVersion).toBe(SCHEMA_VERSION);
    expect(db.localTracks().map((x) => x.id)).toEqual([t.id]);
  });
});

describe('schema migrations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firefly-migrate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades a version-1 file in place, keeping its data', () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 1));
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    const t = aTrack('Old').by('Legacy').track;
    old
      .prepare(
        `INSERT INTO tracks (track_id, title, artist, album, track_no, duration_sec, codec, container, size_bytes, chunk_count, added_at)
         VALUES (?, ?, ?, '', NULL, 180, 'mp3', 'MPEG', ?, 3, 0)`,
      )
      .run(t.id, t.title, t.artist, t.sizeBytes);
    for (const c of chunksOf(t)) {
      old
        .prepare('INSERT INTO chunks VALUES (?, ?, ?, ?, ?)')
        .run(t.id, c.index, c.chunkId, c.offsetBytes, c.lengthBytes);
    }
    old.prepare('INSERT INTO files VALUES (?, ?, ?, ?)').run('/old.mp3', t.sizeBytes, 42, t.id);
    expect(() => old.prepare('SELECT * FROM skipped_files').all()).toThrow(/no such table/);
    old.close();

    const db = LibraryDb.open(path);
    try {
      expect(db.openedAtVersion).toBe(1);
      expect(db.schemaVersion).toBe(SCHEMA_VERSION);
      expect(db.localTracks()).toEqual([t]);
      expect(db.chunkSources(chunksOf(t)[2]!.chunkId)).toEqual([
        { path: '/old.mp3', offsetBytes: 2000, lengthBytes: 1000 },
      ]);
      db.recordSkipped('/junk.mp3', 1, 1, 'not audio');
      expect(db.skippedFiles()).toHaveLength(1);
      const plan = db.db.prepare("EXPLAIN QUERY PLAN SELECT 1 FROM chunks WHERE chunk_id = 'x'").all();
      expect(JSON.stringify(plan)).toContain('chunks_by_chunk_id');
    } finally {
      db.close();
    }
  });

  it('rolls back a failing step and leaves the version unchanged', () => {
    const path = join(dir, 'fail.sqlite');
    const raw = new Database(path);
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      {
        description: 'fails halfway',
        up: (d: Database.Database) => {
          d.exec('CREATE TABLE half_done (x INTEGER)');
          d.exec('THIS IS NOT SQL');
        },
      },
    ];
    expect(() => migrate(raw, broken)).toThrow();
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(() => raw.prepare('SELECT * FROM half_done').all()).toThrow(/no such table/);
    raw.close();
  });

  it('refuses a file from a newer schema', () => {
    const path = join(dir, 'new.sqlite');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => LibraryDb.open(path)).toThrow(SchemaTooNewError);
  });
});
