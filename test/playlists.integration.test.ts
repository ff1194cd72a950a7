/** Playlists shared in the room (#21 item 5, API level): real headless peers on loopback, real SQLite. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlaybackState } from '../src/shared/playback/state';
import type { Playlist } from '../src/shared/playlists/playlist';
import { copyInto, testAudio } from './audio/make-audio';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { agreeOnLeader, until, waitForStatuses } from './support/status';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';

let peers: TestPeer[] = [];
const folders: string[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await r).json() as Promise<T>;

const playlistsOf = (peer: TestPeer) => json<Playlist[]>(apiFetch(peer.ui, '/api/playlists'));
const launch = (name: string, args: string[], dataDir?: string) =>
  launchPeer({ name, args, readyTimeoutMs: 120_000, ...(dataDir ? { dataDir } : {}) });

describe('playlists in the room', { timeout: 300_000 }, () => {
  it('made on one device are seen, edited and played on another, kept in SQLite, and deleted for all, late joiners too', async () => {
    const audio = await testAudio();
    const music = mkdtempSync(path.join(os.tmpdir(), 'firefly-playlists-'));
    folders.push(music);
    await copyInto(music, [audio.tones.mp3, audio.tones.flac, audio.tones.ogg]);
    const a = await launch('a', ['--library', music, '--priority', '9']);
    peers = [a];
    let b = await launch('b', ['--bootstrap', a.addrs[0] as string]);
    peers = [a, b];
    await waitForStatuses(
      [a.ui, b.ui],
      (s) => agreeOnLeader(s, a.peerId) && s.every((x) => x.members.length === 1),
      {
        what: 'the room to form',
        timeoutMs: 60_000,
      },
    );
    const tracks = await until(
      () => json<Array<{ trackId: string; title: string }>>(apiFetch(b.ui, '/api/tracks')),
      (list) => list.length === 3,
      'b to list the room’s 3 tracks',
    );
    const id = (title: string) => tracks.find((t) => t.title === title)?.trackId as string;

    // Made on a, seen on b.
    const made = await json<Playlist>(
      apiFetch(a.ui, '/api/playlists/save', {
        body: { name: 'Road trip', trackIds: [id('MP3 Tone'), id('FLAC Tone')] },
      }),
    );
    expect(made).toMatchObject({ name: 'Road trip', editedBy: a.peerId, deleted: false });
    await until(
      () => playlistsOf(b),
      (list) => list.length === 1 && list[0]?.id === made.id,
      'b to see the playlist',
    );

    // Renamed and reordered on b (a track added), seen on a.
    const order = [id('OGG Tone'), id('FLAC Tone'), id('MP3 Tone')];
    const edited = await apiFetch(b.ui, '/api/playlists/save', {
      body: { id: made.id, name: 'Road trip, reordered', trackIds: order },
    });
    expect(edited.status).toBe(200);
    await until(
      () => playlistsOf(a),
      (list) => list[0]?.name === 'Road trip, reordered' && list[0].trackIds.join() === order.join(),
      'a to see the edit',
    );

    // Played from b: the room's queue is the playlist, from its second track.
    expect((await apiFetch(b.ui, '/api/playlists/play', { body: { id: made.id, index: 1 } })).status).toBe(
      200,
    );
    const state = await json<PlaybackState>(apiFetch(a.ui, '/api/state'));
    expect(state.queue).toEqual(order);
    expect(state.currentIndex).toBe(1);

    // b stops with the playlist in its database; a deletes it meanwhile; b hears of it when it returns.
    await b.stop();
    const stored = new Database(path.join(b.dataDir, 'library.sqlite'), { readonly: true });
    expect(stored.prepare('SELECT name, deleted FROM playlists').all()).toEqual([
      { name: 'Road trip, reordered', deleted: 0 },
    ]);
    stored.close();
    expect((await apiFetch(a.ui, '/api/playlists/delete', { body: { id: made.id } })).status).toBe(200);
    expect(await playlistsOf(a)).toEqual([]);
    b = await launch('b', ['--bootstrap', a.addrs[0] as string], b.dataDir);
    peers = [a, b];
    await until(
      () => playlistsOf(b),
      (list) => list.length === 0,
      'b to learn of the deletion',
      60_000,
    );
  });

  it('refuses bad requests with a 4xx and a reason', async () => {
    const a = await launch('a', []);
    peers = [a];
    const cases: Array<[string, unknown, number]> = [
      ['/api/playlists/save', { name: '', trackIds: [] }, 400],
      ['/api/playlists/save', { name: 'x', trackIds: ['../etc'] }, 400],
      ['/api/playlists/save', { name: 'x', trackIds: [], owner: 'me' }, 400],
      ['/api/playlists/save', { id: 'nosuchlist', name: 'x', trackIds: [] }, 404],
      ['/api/playlists/delete', { id: 'nosuchlist' }, 404],
      ['/api/playlists/play', { id: 'nosuchlist' }, 404],
    ];
    for (const [route, body, status] of cases) {
      const r = await apiFetch(a.ui, route, { body });
      expect(r.status, `${route} ${JSON.stringify(body)}`).toBe(status);
      expect(((await r.json()) as { error: string }).error).toBeTruthy();
    }
    const empty = await json<Playlist>(
      apiFetch(a.ui, '/api/playlists/save', { body: { name: 'Empty', trackIds: [] } }),
    );
    expect((await apiFetch(a.ui, '/api/playlists/play', { body: { id: empty.id } })).status).toBe(422);
  });
});
