/**
 * The `spotify` preset's librespot hook, run as librespot runs it (librespot is not installable here):
 * the preset passes `--onevent "<hook> <pipe>"` and `metadata=<pipe>`; the hook, run with librespot's
 * event variables, makes the track's title and artists the source's, and its first cover URL the
 * source's cover (downloaded from a local HTTP server standing in for i.scdn.co), and clears them when
 * it stops.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveSource } from './live-source';
import { parseSource, presetUri } from './uri';

const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-librespot-'));
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(900, 5),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(900, 6)]);
const images: Record<string, Buffer> = { '/image/a': PNG, '/image/b': JPEG };
let imageHost: http.Server;
let base = '';
beforeAll(async () => {
  imageHost = http.createServer((req, res) => {
    const image = images[req.url ?? ''];
    if (image) res.writeHead(200, { 'content-type': 'image/jpeg' }).end(image);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => imageHost.close(resolve));
});

/** The image host on loopback: https://i.scdn.co/… is asked of the local server. */
const viaLocalHost: typeof fetch = (input, init) =>
  fetch(String(input).replace('https://i.scdn.co', base), init);

/** Runs the hook as librespot does: its words split on spaces, the event in the environment. */
function runHook(onevent: string, env: Record<string, string>): void {
  const [program, ...args] = onevent.split(/\s+/);
  execFileSync(program as string, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 5000 });
}

describe('the librespot hook', () => {
  it("makes librespot's track the source's title, artist and cover, and clears them when it stops", async () => {
    // A stand-in librespot on PATH, so the preset can be made; it is never run here.
    const fake = path.join(dir, 'librespot');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    const uri = presetUri('spotify', 'Den', dir) as string;
    const spec = parseSource(uri, 'QmPeer', 'Den');
    const onevent = spec.args[spec.args.indexOf('--onevent') + 1] as string;
    expect(onevent.split(' ')[1]).toBe(spec.metadataPipe);

    // The source reads the metadata pipe as it runs (here a FIFO of its own for the PCM).
    const source = new LiveSource(
      parseSource(`pipe://${dir}/pcm.fifo?name=Spotify&metadata=${spec.metadataPipe}`, 'QmPeer', 'Den'),
      { groupNow: () => performance.now() },
      { coverFetch: viaLocalHost },
    );
    source.start();
    try {
      runHook(onevent, {
        PLAYER_EVENT: 'track_changed',
        NAME: 'Señorita — "live"',
        ARTISTS: 'Shawn Mendes\nCamila Cabello',
        ALBUM: 'Señorita',
        COVERS: 'https://i.scdn.co/image/a\nhttps://i.scdn.co/image/b',
      });
      await expect.poll(() => source.info().title, { timeout: 5000 }).toBe('Señorita — "live"');
      expect(source.info().artist).toBe('Shawn Mendes, Camila Cabello');
      // The first cover URL's image, with its type read from the bytes.
      await expect.poll(() => source.cover()?.mime, { timeout: 5000 }).toBe('image/png');
      expect(Buffer.compare(Buffer.from(source.cover()!.bytes), PNG)).toBe(0);
      expect(source.info().coverId).toBe(source.cover()?.coverId);
      // The next track's cover cannot be had: no cover (not the last track's), and the failure counted.
      runHook(onevent, {
        PLAYER_EVENT: 'track_changed',
        NAME: 'Next',
        COVERS: 'https://i.scdn.co/image/gone',
      });
      await expect.poll(() => source.nowPlaying.coverFailures.httpStatus, { timeout: 5000 }).toBe(1);
      expect(source.info()).toMatchObject({ title: 'Next' });
      expect(source.cover()).toBeNull();
      // A track without covers has none, and asks nothing.
      runHook(onevent, { PLAYER_EVENT: 'track_changed', NAME: 'Bare' });
      await expect.poll(() => source.info().title, { timeout: 5000 }).toBe('Bare');
      expect(source.info().coverId).toBeUndefined();
      // Events without a track say nothing.
      runHook(onevent, { PLAYER_EVENT: 'playing', TRACK_ID: 'x', POSITION_MS: '10' });
      runHook(onevent, { PLAYER_EVENT: 'stopped', TRACK_ID: 'x' });
      await expect.poll(() => source.info().title ?? null, { timeout: 5000 }).toBeNull();
      expect(source.info().artist).toBeUndefined();
    } finally {
      source.stop();
    }
    // Without the pipe (the peer stopped), the hook does nothing and succeeds.
    runHook(`${onevent.split(' ')[0]} ${dir}/missing.metadata`, { PLAYER_EVENT: 'track_changed', NAME: 'x' });
  });
});
