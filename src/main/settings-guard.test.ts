import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsPatch } from '../shared/bridge/request-validators';
import {
  checkMusicFolder,
  PendingConfirmations,
  settingsView,
  splitSensitive,
  UnknownConfirmationError,
} from './settings-guard';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'firefly-guard-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('music folders', () => {
  it('accepts a real folder', async () => {
    await mkdir(path.join(dir, 'Music'));
    await expect(checkMusicFolder(path.join(dir, 'Music'))).resolves.toBeUndefined();
  });

  it('refuses system folders, links into them, files, missing and relative paths, with the reason', async () => {
    for (const folder of ['/etc', '/proc/self/fd', '/sys', '/dev', '/', '/etc/ssl'])
      await expect(checkMusicFolder(folder)).rejects.toThrow(/system folder|not a music folder/);
    await symlink('/etc', path.join(dir, 'looks-like-music'));
    await expect(checkMusicFolder(path.join(dir, 'looks-like-music'))).rejects.toThrow(/leads to \/etc/);
    await writeFile(path.join(dir, 'a.mp3'), 'x');
    await expect(checkMusicFolder(path.join(dir, 'a.mp3'))).rejects.toThrow(/is a file/);
    await expect(checkMusicFolder(path.join(dir, 'missing'))).rejects.toThrow(/does not exist/);
    await expect(checkMusicFolder('Music')).rejects.toThrow(/not a full path/);
  });
});

describe('settings a paired browser asks for', () => {
  it('never shows the passphrase, only whether one of the user’s own is set', () => {
    const base = {
      name: 'Den',
      priority: 0,
      volume: 1,
      muted: false,
      outputOffsetMs: 0,
      channel: 'stereo' as const,
      libraries: [],
      theme: 'system' as const,
      notifications: true,
      closeToTray: true,
      liveSources: [],
      liveDelayMs: 300,
    };
    const view = settingsView({ ...base, roomPassphrase: 'secret words' });
    expect(JSON.stringify(view)).not.toContain('secret words');
    expect(view.roomPassphraseSet).toBe(true);
    expect(settingsView({ ...base, roomPassphrase: 'firefly' }).roomPassphraseSet).toBe(false);
  });

  it('splits the passphrase and folders from the rest, and queues them until answered', () => {
    expect(splitSensitive({ volume: 0.5, roomPassphrase: 'x', libraries: ['/m'] })).toEqual({
      sensitive: { roomPassphrase: 'x', libraries: ['/m'] },
      rest: { volume: 0.5 },
    });
    const seen: number[] = [];
    const pending = new PendingConfirmations((list) => seen.push(list.length));
    const id = pending.add('Phone', { libraries: ['/m'] });
    expect(pending.list()).toEqual([
      expect.objectContaining({ id, deviceName: 'Phone', summary: 'music folders: /m' }),
    ]);
    expect(JSON.stringify(pending.list())).not.toContain('"patch"');
    expect(pending.take(id)).toEqual({ libraries: ['/m'] });
    expect(() => pending.take(id)).toThrow(UnknownConfirmationError);
    expect(seen).toEqual([1, 0]);
  });

  it('refuses names that do not show as themselves and offsets out of range, saying why', () => {
    const bad = (patch: unknown) => {
      const r = settingsPatch(patch);
      return r.ok ? null : r.error;
    };
    expect(bad({ name: 'Kitchen' })).toBeNull();
    expect(bad({ name: 'Kitch\ud800en' })).toMatch(/lone UTF-16 surrogate/);
    expect(bad({ name: 'evil\u202egnp.exe' })).toMatch(/text-direction/);
    expect(bad({ name: 'a\u0007b' })).toMatch(/control/);
    expect(bad({ name: '   ' })).toMatch(/blank/);
    expect(bad({ outputOffsetMs: 180 })).toBeNull();
    expect(bad({ outputOffsetMs: -1000 })).toMatch(/Bluetooth/);
  });
});
