import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { DeviceSettings } from '../../shared/bridge/payloads';
import { TypedEventTarget } from '../../shared/events';
import { SettingsStore } from '../settings';
import { ConfirmationRequiredError } from '../settings-guard';
import { flagOverrides, SettingsService } from './settings-service';
import { silentLogger } from '../../shared/logger';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'firefly-settings-service-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const defaults: DeviceSettings = {
  name: 'Desk',
  priority: 0,
  volume: 1,
  muted: false,
  outputOffsetMs: 0,
  channel: 'stereo',
  libraries: [],
  roomPassphrase: 'firefly',
  theme: 'system',
  notifications: true,
  closeToTray: true,
  liveSources: [],
  liveDelayMs: 2000,
};

async function service(libraries: string[] = []) {
  const store = new SettingsStore(dir, defaults);
  await store.load();
  const events = new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test'));
  const changed: unknown[] = [];
  const pending: unknown[] = [];
  events.on('settings:changed', (s) => changed.push(s));
  events.on('settings:pending', (list) => pending.push(list));
  const settings = new SettingsService({
    store,
    options: { libraries, sources: [] },
    running: () => null,
    restart: async () => undefined,
    events,
    statusChanged: () => undefined,
    logger: silentLogger,
  });
  return { settings, store, changed, pending };
}

describe('flagOverrides', () => {
  it('takes only the flags given on the command line', () => {
    const options = { name: 'Flag', priority: 5, room: 'secret', liveDelayMs: 900 };
    expect(flagOverrides(['node', 'x', '--name', 'Flag', '--leader'], options)).toEqual({
      name: 'Flag',
      priority: 5,
    });
    expect(flagOverrides(['--room=secret', '--live-delay-ms=900'], options)).toEqual({
      roomPassphrase: 'secret',
      liveDelayMs: 900,
    });
    expect(flagOverrides(['--port', '0'], options)).toEqual({});
  });
});

describe('SettingsService', () => {
  it('saves a change and tells the windows, without the passphrase', async () => {
    const { settings, store, changed } = await service();
    const next = await settings.apply({ name: 'Kitchen', volume: 0.5 });
    expect(next).toMatchObject({ name: 'Kitchen', volume: 0.5 });
    expect(store.get().name).toBe('Kitchen');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ name: 'Kitchen' });
    expect(changed[0]).not.toHaveProperty('roomPassphrase');
  });

  it('refuses a music folder that is not one, and saves nothing', async () => {
    const { settings, store } = await service();
    await expect(settings.apply({ libraries: ['/etc'] })).rejects.toThrow(/system folder|not a music folder/);
    expect(store.get().libraries).toEqual([]);
  });

  it("holds a paired browser's passphrase change for confirmation and applies the rest at once", async () => {
    const { settings, store, pending } = await service();
    const caller = { kind: 'remote' as const, deviceName: 'Phone' };
    await expect(settings.remote({ roomPassphrase: 'other', volume: 0.2 }, caller)).rejects.toBeInstanceOf(
      ConfirmationRequiredError,
    );
    expect(store.get()).toMatchObject({ roomPassphrase: 'firefly', volume: 0.2 });
    const [held] = settings.confirmations.list();
    expect(held).toMatchObject({ deviceName: 'Phone', summary: 'room passphrase' });
    expect(pending.length).toBeGreaterThan(0);
    const patch = settings.confirmations.take(held!.id);
    await settings.apply(patch);
    expect(store.get().roomPassphrase).toBe('other');
  });

  it('scans the chosen folders, else the default one', async () => {
    const music = path.join(dir, 'Music');
    await mkdir(music);
    const { settings } = await service([music]);
    expect(settings.musicFolders()).toEqual({ folders: [music], isDefault: false });
    const none = await service();
    expect(none.settings.musicFolders().isDefault).toBe(true);
  });
});
