/**
 * M3U8 import and export (#21 item 5) and the room's sound settings (items 2 and 3), at the API of
 * real headless peers on loopback: one holds the music, the other holds none.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlaybackState } from '../src/shared/playback/state';
import type { Playlist } from '../src/shared/playlists/playlist';
import { testAudio } from './audio/make-audio';
import { apiFetch, authHeaders, type TestPeer } from './support/peers';
import { TestRoom } from './support/room';
import { getStatus, until } from './support/status';

const room = new TestRoom();
afterEach(() => room.cleanUp());

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await r).json() as Promise<T>;
interface ImportResult {
  playlist: Playlist;
  matched: number;
  unmatched: { line: number; entry: string }[];
}
interface ExportResult {
  name: string;
  fileName: string;
  m3u8: string;
}

/** A POST with a raw body (bytes the JSON helper cannot make). */
const rawPost = (peer: TestPeer, route: string, body: BodyInit) =>
  fetch(`${peer.ui}${route}`, {
    method: 'POST',
    headers: { ...authHeaders(peer.ui), 'content-type': 'application/json' },
    body,
  });

/** Status and error message of a refused request. */
const refusal = async (r: Promise<Response>) => {
  const response = await r;
  return { status: response.status, error: ((await response.json()) as { error?: string }).error ?? '' };
};

describe('M3U8 playlists and room sound settings', { timeout: 300_000 }, () => {
  it('imports by path, media URL and tags, reports unmatched lines, exports paths or media URLs, refuses bad files', async () => {
    const audio = await testAudio();
    const {
      holder: a,
      member: b,
      copies: [mp3, flac],
      tracks,
    } = await room.holderAndMember([audio.tones.mp3, audio.tones.flac, audio.tones.ogg]);
    const id = (title: string) => tracks.find((t) => t.title === title)?.trackId as string;

    // On a, which holds the files: a path from another machine (its tail matches), a media URL,
    // #EXTINF tags, and a line nothing matches.
    const m3u8 = [
      '#EXTM3U',
      `D:\\Music\\Old PC\\${path.basename(flac as string).toUpperCase()}`,
      `http://elsewhere:1234/media/track/${id('OGG Tone')}`,
      '#EXTINF:2,Firefly Tests - MP3 Tone',
      'gone/from/disk.mp3',
      '#EXTINF:240,Nobody - Not Here',
      'not-here.mp3',
    ].join('\r\n');
    const imported = await json<ImportResult>(
      apiFetch(a.ui, '/api/playlists/import', { body: { name: 'Imported', m3u8 } }),
    );
    expect(imported.matched).toBe(3);
    expect(imported.playlist.trackIds).toEqual([id('FLAC Tone'), id('OGG Tone'), id('MP3 Tone')]);
    expect(imported.unmatched).toEqual([{ line: 7, entry: 'Nobody - Not Here (not-here.mp3)' }]);
    // Shared in the room like any playlist.
    await until(
      () => json<Playlist[]>(apiFetch(b.ui, '/api/playlists')),
      (list) => list.some((p) => p.id === imported.playlist.id),
      'b to see the imported playlist',
    );

    // Exported on a: the files' paths; on b, which holds none: the media URLs of b's own server.
    const fromA = await json<ExportResult>(
      apiFetch(a.ui, '/api/playlists/export', { body: { playlistId: imported.playlist.id } }),
    );
    expect(fromA.fileName).toBe('Imported.m3u8');
    expect(fromA.m3u8.split('\n').slice(0, 4)).toEqual([
      '#EXTM3U',
      '#PLAYLIST:Imported',
      '#EXTINF:2,Firefly Tests - FLAC Tone',
      flac,
    ]);
    expect(fromA.m3u8).toContain(`#EXTINF:2,Firefly Tests - MP3 Tone\n${mp3}\n`);
    const fromB = await json<ExportResult>(
      apiFetch(b.ui, '/api/playlists/export', {
        body: { playlistId: imported.playlist.id, mediaBaseUrl: b.ui },
      }),
    );
    const urls = fromB.m3u8.split('\n').filter((l) => l.startsWith('http'));
    expect(urls).toEqual(imported.playlist.trackIds.map((t) => `${b.ui}/media/track/${t}`));
    // The media URL plays: it is the track's bytes, fetched through the swarm.
    const media = await fetch(urls[0] as string, { headers: authHeaders(b.ui) });
    expect(media.status).toBe(200);
    expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    // Either export, imported again (on the other device), gives the same tracks.
    for (const [peer, text] of [
      [b, fromA.m3u8],
      [a, fromB.m3u8],
    ] as const) {
      const again = await json<ImportResult>(
        apiFetch(peer.ui, '/api/playlists/import', { body: { name: 'Again', m3u8: text } }),
      );
      expect(again.playlist.trackIds).toEqual(imported.playlist.trackIds);
      expect(again.unmatched).toEqual([]);
    }

    // Bad input: a clear 4xx, never a crash.
    const bad = (m3u8Text: string) =>
      refusal(apiFetch(a.ui, '/api/playlists/import', { body: { name: 'Bad', m3u8: m3u8Text } }));
    expect(await bad('ID3\u0004\u0000\u0000\u0000\u0000\u0001\u0002binary')).toMatchObject({
      status: 400,
      error: expect.stringMatching(/binary data/),
    });
    expect(await bad('x.mp3\n'.repeat(10_000))).toMatchObject({
      status: 400,
      error: expect.stringMatching(/10001 lines/),
    });
    expect(await bad('x.mp3\n'.repeat(501))).toMatchObject({
      status: 400,
      error: expect.stringMatching(/501 entries/),
    });
    expect(await bad('#EXTM3U\nnothing-matches.mp3\n')).toMatchObject({
      status: 422,
      error: expect.stringMatching(/none of its 1 entries/),
    });
    const invalidUtf8 = Buffer.concat([
      Buffer.from('{"name":"Bad","m3u8":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('.mp3"}'),
    ]);
    expect(await refusal(rawPost(a, '/api/playlists/import', invalidUtf8))).toEqual({
      status: 400,
      error: 'request body is not valid UTF-8',
    });
    expect(
      await refusal(rawPost(a, '/api/playlists/import', '{"name":"Bad","m3u8":"a\\ud800.mp3"}')),
    ).toMatchObject({
      status: 400,
      error: expect.stringMatching(/not valid UTF-8 text/),
    });
    const huge = JSON.stringify({ name: 'Huge', m3u8: 'x'.repeat(2 * 1024 * 1024) });
    expect(await refusal(rawPost(a, '/api/playlists/import', huge))).toMatchObject({ status: 413 });
    expect(
      await refusal(apiFetch(a.ui, '/api/playlists/export', { body: { playlistId: 'nope' } })),
    ).toMatchObject({ status: 404 });
    // Still up, and no stray playlist was made.
    expect((await getStatus(a.ui)).self.peerId).toBe(a.peerId);
    const names = (await json<Playlist[]>(apiFetch(a.ui, '/api/playlists'))).map((p) => p.name).sort();
    expect(names).toEqual(['Again', 'Again', 'Imported']);

    // Crossfade and loudness: set on one device, in the state every device follows.
    expect((await apiFetch(b.ui, '/api/crossfade', { body: { sec: 5 } })).status).toBe(200);
    expect((await apiFetch(b.ui, '/api/loudness', { body: { mode: 'album', targetLufs: -14 } })).status).toBe(
      200,
    );
    await until(
      () => json<PlaybackState>(apiFetch(a.ui, '/api/state')),
      (s) => s.crossfadeSec === 5 && s.loudness?.mode === 'album' && s.loudness.targetLufs === -14,
      'a to follow the room’s crossfade and loudness',
    );
    expect(await refusal(apiFetch(a.ui, '/api/crossfade', { body: { sec: 13 } }))).toMatchObject({
      status: 400,
    });
    expect(
      await refusal(apiFetch(a.ui, '/api/loudness', { body: { mode: 'loud', targetLufs: -18 } })),
    ).toMatchObject({ status: 400 });
  });
});
