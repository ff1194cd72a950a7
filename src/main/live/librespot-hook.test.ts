/**
 * The `spotify` preset's librespot hook, run as librespot runs it (librespot is not installable here):
 * the preset passes `--onevent "<hook> <pipe>"` and `metadata=<pipe>`; the hook, run with librespot's
 * event variables, makes the track's title and artists the source's, and clears them when it stops.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveSource } from './live-source';
import { parseSource, presetUri } from './uri';

const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-librespot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the hook as librespot does: its words split on spaces, the event in the environment. */
function runHook(onevent: string, env: Record<string, string>): void {
  const [program, ...args] = onevent.split(/\s+/);
  execFileSync(program as string, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 5000 });
}

describe('the librespot hook', () => {
  it("makes librespot's track the source's title and artist, and clears them when it stops", async () => {
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
