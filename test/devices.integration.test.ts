/** Every speaker's volume from any device (#21 item 6): real headless peers on loopback change each other's output. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceOutputInfo } from '../src/shared/devices/output';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { agreeOnLeader, until, waitForStatuses } from './support/status';

let peers: TestPeer[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await r).json() as Promise<T>;
const settingsOf = (peer: TestPeer) =>
  json<{ volume: number; muted: boolean; channel: string; outputOffsetMs: number }>(
    apiFetch(peer.ui, '/api/settings'),
  );

async function aRoom(): Promise<[TestPeer, TestPeer, TestPeer]> {
  const living = await launchPeer({ name: 'living', args: ['--priority', '9'], readyTimeoutMs: 120_000 });
  const others = await Promise.all(
    ['kitchen', 'attic'].map((name) =>
      launchPeer({ name, args: ['--bootstrap', living.addrs[0] as string], readyTimeoutMs: 120_000 }),
    ),
  );
  peers = [living, ...others];
  await waitForStatuses(
    peers.map((p) => p.ui),
    (s) => agreeOnLeader(s, living.peerId) && s.every((x) => x.members.length === 2),
    { what: 'the room to form', timeoutMs: 60_000 },
  );
  return peers as [TestPeer, TestPeer, TestPeer];
}

// Three peers start on a machine that may be busy: generous limits, no sleeps.
describe('device outputs across the room', { timeout: 300_000 }, () => {
  it('lists every device, changes another device’s volume, mute, channel and offset there (persisted), and moves the group volume proportionally', async () => {
    const [living, kitchen, attic] = await aRoom();
    const devices = await until(
      () => json<DeviceOutputInfo[]>(apiFetch(living.ui, '/api/devices')),
      (list) => list.length === 3,
      'living to know every device',
    );
    expect(devices[0]).toMatchObject({
      peerId: living.peerId,
      name: 'living',
      self: true,
      volume: 1,
      muted: false,
    });
    expect(devices.map((d) => d.name).sort()).toEqual(['attic', 'kitchen', 'living']);

    // From the living room, turn the kitchen down and mute it: the kitchen applies it as its own setting.
    const r = await apiFetch(living.ui, `/api/devices/${kitchen.peerId}/settings`, {
      body: { volume: 0.3, muted: true, channel: 'left', outputOffsetMs: 40 },
    });
    expect(r.status).toBe(200);
    const after = (await r.json()) as DeviceOutputInfo[];
    expect(after.find((d) => d.peerId === kitchen.peerId)).toMatchObject({
      volume: 0.3,
      muted: true,
      channel: 'left',
    });
    expect(await settingsOf(kitchen)).toMatchObject({
      volume: 0.3,
      muted: true,
      channel: 'left',
      outputOffsetMs: 40,
    });
    const saved = JSON.parse(readFileSync(path.join(kitchen.dataDir, 'settings.json'), 'utf8')) as object;
    expect(saved).toMatchObject({ volume: 0.3, muted: true });
    // The third device hears the kitchen's announcement.
    await until(
      () => json<DeviceOutputInfo[]>(apiFetch(attic.ui, '/api/devices')),
      (list) => list.some((d) => d.peerId === kitchen.peerId && d.volume === 0.3 && d.muted),
      'the attic to see the kitchen muted at 30%',
    );
    // Its own device through the same route.
    expect(
      (await apiFetch(attic.ui, `/api/devices/${attic.peerId}/settings`, { body: { volume: 0.6 } })).status,
    ).toBe(200);
    expect((await settingsOf(attic)).volume).toBe(0.6);

    // Group volume from the kitchen: living 1 → 0.5, attic 0.6 → 0.3, kitchen 0.3 → 0.15.
    await until(
      () => json<DeviceOutputInfo[]>(apiFetch(kitchen.ui, '/api/devices')),
      (list) => list.some((d) => d.peerId === attic.peerId && d.volume === 0.6),
      'the kitchen to see the attic at 60%',
    );
    const group = await json<{ group: number; devices: DeviceOutputInfo[] }>(
      apiFetch(kitchen.ui, '/api/volume', { body: { group: 0.5 } }),
    );
    expect(group.group).toBe(0.5);
    expect((await settingsOf(living)).volume).toBe(0.5);
    expect((await settingsOf(attic)).volume).toBe(0.3);
    expect((await settingsOf(kitchen)).volume).toBe(0.15);
    // The kitchen stays muted: the group volume moves volumes, not mutes.
    expect((await settingsOf(kitchen)).muted).toBe(true);
  });

  it('refuses bad changes with a 4xx and a reason, changing nothing', async () => {
    const [living, kitchen] = await aRoom();
    await until(
      () => json<DeviceOutputInfo[]>(apiFetch(living.ui, '/api/devices')),
      (list) => list.length === 3,
      'living to know every device',
    );
    const post = (route: string, body: unknown) => apiFetch(living.ui, route, { body });
    const cases: Array<[string, unknown, number]> = [
      [`/api/devices/${kitchen.peerId}/settings`, { volume: 1.5 }, 400],
      [`/api/devices/${kitchen.peerId}/settings`, {}, 400],
      [`/api/devices/${kitchen.peerId}/settings`, { roomPassphrase: 'elsewhere' }, 400],
      [`/api/devices/${kitchen.peerId}/settings`, { outputOffsetMs: 9999 }, 400],
      ['/api/devices/12D3KooWNoSuchDevice/settings', { volume: 0.5 }, 422],
      ['/api/volume', { group: 'loud' }, 400],
      ['/api/volume', {}, 400],
    ];
    for (const [route, body, status] of cases) {
      const r = await post(route, body);
      expect(r.status, `${route} ${JSON.stringify(body)}`).toBe(status);
      expect(((await r.json()) as { error: string }).error).toBeTruthy();
    }
    expect(await settingsOf(kitchen)).toMatchObject({
      volume: 1,
      muted: false,
      outputOffsetMs: 0,
      channel: 'stereo',
    });
    expect(
      (await fetch(`${living.ui}/api/devices/${kitchen.peerId}/settings`, { method: 'POST' })).status,
    ).toBe(401);
  });
});
