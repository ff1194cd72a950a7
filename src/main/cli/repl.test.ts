import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { LOCAL_CALLER, type BridgeHandlers } from '../../shared/bridge/dispatch';
import { scaleToGroup, type DeviceOutputInfo } from '../../shared/devices/output';
import type { RepeatMode } from '../../shared/playback/state';
import { aContext, aState, seededRandom } from '../../shared/playback/testing';
import type { PeerStatus } from '../../shared/status';
import { Pairing } from '../http/pairing';
import { PendingConfirmations } from '../settings-guard';
import { formatDuration, replCommands, runReplLine, startRepl } from './repl';
import { replOnState } from './repl-testing';

const aTrack = (index: number, title: string): RoomTrack => ({
  index,
  trackId: `t${index}`.padEnd(64, '0'),
  title,
  artist: 'Band',
  album: 'Album',
  trackNo: index + 1,
  durationSec: 185,
  codec: 'MP3',
  sizeBytes: 1000,
  hasCover: false,
  holders: ['p1'],
  local: true,
});

const status: PeerStatus = {
  self: { peerId: 'p1', name: 'kitchen', priority: 0, addrs: [] },
  leader: { peerId: 'p2', epoch: 3 },
  members: [
    {
      peerId: 'p2',
      name: 'living',
      priority: 5,
      role: 'leader',
      addrs: [],
      lastSeenMs: 120,
      rttMs: 0.4,
      clock: null,
    },
  ],
  clock: { offsetMs: 1.25, driftPpm: 3, rttMs: 0.2, errorMs: 0.05 },
  playback: { state: 'playing', trackId: 't1', positionSec: 61 },
  dropped: { malformed: 2 },
  config: {},
  log: ['dial failed'],
};

function handlers(): BridgeHandlers {
  const h = {
    'peer:status': vi.fn(() => status),
    'library:list': vi.fn(() => [aTrack(0, 'One'), aTrack(1, 'Two')]),
    'playback:play': vi.fn(),
    'playback:pause': vi.fn(),
    'playback:resume': vi.fn(),
    'playback:stop': vi.fn(),
    'playback:next': vi.fn(),
    'playback:prev': vi.fn(),
  };
  return h as unknown as BridgeHandlers;
}

describe('repl', () => {
  it('runs every seed command through the handlers', async () => {
    const h = handlers();
    const commands = replCommands({ handlers: h, debug: () => ({ rejectedFrames: 0 }) });
    expect(await runReplLine(commands, 'peers')).toMatch(/\* living\s+leader\s+rtt 0\.4 ms/);
    expect(await runReplLine(commands, 'list')).toMatch(/0 {2}Band — One {2}\(3:05\)\n\s+1 {2}Band — Two/);
    expect(await runReplLine(commands, 'play 1')).toBe('Playing Band — Two');
    expect(h['playback:play']).toHaveBeenCalledWith({ index: 1 }, LOCAL_CALLER);
    for (const name of ['pause', 'resume', 'stop', 'next', 'prev'] as const) {
      await runReplLine(commands, name);
      expect(h[`playback:${name}`]).toHaveBeenCalled();
    }
    expect(await runReplLine(commands, 'status')).toMatch(/leader\s+p2 \(epoch 3\)[\s\S]*offset 1\.250 ms/);
    expect(JSON.parse((await runReplLine(commands, 'debug')) as string)).toMatchObject({
      dropped: { malformed: 2 },
      log: ['dial failed'],
      rejectedFrames: 0,
    });
    expect(await runReplLine(commands, 'help')).toMatch(/play <index>/);
    expect(await runReplLine(commands, 'exit')).toBeNull();
  });

  it('explains bad arguments', async () => {
    const commands = replCommands({ handlers: handlers(), debug: () => ({}) });
    expect(await runReplLine(commands, 'play')).toMatch(/usage: play <index>/);
    expect(await runReplLine(commands, 'play two')).toMatch(/usage: play <index>/);
    expect(await runReplLine(commands, 'play 7')).toMatch(/no track 7; `list` shows 0 to 1/);
    expect(await runReplLine(commands, 'pause now')).toMatch(/pause takes no arguments/);
    expect(await runReplLine(commands, 'dance')).toMatch(/Unknown command "dance"/);
  });

  it('reports handler failures without stopping', async () => {
    const h = handlers();
    (h['playback:pause'] as unknown as ReturnType<typeof vi.fn>).mockRejectedValue(
      new Error('no leader yet'),
    );
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => (text += d.toString()));
    const done = startRepl({ handlers: h, debug: () => ({}) }, { input, output });
    input.write('pause\nstatus\nexit\n');
    await done;
    expect(text).toMatch(/Error: no leader yet/);
    expect(text).toMatch(/playback playing/);
  });

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(600.4)).toBe('10:00');
  });

  it('pair shows a code, and confirm / refuse answer what a paired browser asked', async () => {
    const pairing = new Pairing(() => undefined);
    const pending = new PendingConfirmations(() => undefined);
    const applied: unknown[] = [];
    const h = {
      'pairing:start': () => pairing.open(null),
      'pairing:list': () => [
        { id: 'd1', name: 'Phone', address: '10.0.0.2', createdAtMs: 0, lastUsedAtMs: null },
      ],
      'settings:pending': () => pending.list(),
      'settings:confirm': ({ id, accept }: { id: string; accept: boolean }) => {
        const patch = pending.take(id);
        if (accept) applied.push(patch);
      },
    } as unknown as BridgeHandlers;
    const commands = replCommands({ handlers: h, debug: () => ({}) });
    const shown = await runReplLine(commands, 'pair');
    expect(shown).toContain(`Pairing code ${pairing.state().code}`);
    expect(shown).toContain('Paired: Phone (10.0.0.2)');

    expect(await runReplLine(commands, 'confirm')).toBe('Nothing waits for a confirmation.');
    pending.add('Phone', { libraries: ['/srv/music'] });
    pending.add('Phone', { roomPassphrase: 'x' });
    expect(await runReplLine(commands, 'confirm')).toBe(
      '1. Phone asks to change music folders: /srv/music\n2. Phone asks to change room passphrase',
    );
    expect(await runReplLine(commands, 'refuse 2')).toBe('Refused room passphrase.');
    expect(await runReplLine(commands, 'confirm 1')).toBe('Changed music folders: /srv/music.');
    expect(applied).toEqual([{ libraries: ['/srv/music'] }]);
    expect(await runReplLine(commands, 'confirm 1')).toMatch(/^Error: no change 1/);
  });
});

describe('repl: shuffle and repeat', () => {
  const oneDeviceRoom = () =>
    replOnState(
      aState().withQueue('a', 'b', 'c', 'd').playing('b').build(),
      aContext({ a: 100, b: 100, c: 100, d: 100 }, { random: seededRandom(1) }),
      (apply) => ({
        'playback:shuffle': ({ on }: { on: boolean }) => apply({ kind: 'shuffle', on }),
        'playback:repeat': ({ mode }: { mode: RepeatMode }) => apply({ kind: 'repeat', mode }),
      }),
    );

  it('shuffle switches or sets shuffle; off returns to the queue order at the playing track', async () => {
    const room = oneDeviceRoom();
    expect(await runReplLine(room.commands, 'shuffle')).toBe('Shuffle on.');
    expect(room.state().unshuffled).not.toBeNull();
    expect(room.state().queue[0]).toBe('b');
    expect(await runReplLine(room.commands, 'shuffle on')).toBe('Shuffle on.');
    expect(await runReplLine(room.commands, 'shuffle off')).toBe(
      'Shuffle off: the queue plays in its order.',
    );
    expect(room.state()).toMatchObject({ queue: ['a', 'b', 'c', 'd'], currentIndex: 1, unshuffled: null });
    expect(await runReplLine(room.commands, 'shuffle maybe')).toBe('Error: usage: shuffle [on|off]');
  });

  it('repeat cycles off → all → one → off, or sets a mode', async () => {
    const room = oneDeviceRoom();
    expect(await runReplLine(room.commands, 'repeat')).toBe('Repeating the queue.');
    expect(await runReplLine(room.commands, 'repeat')).toBe('Repeating the current track.');
    expect(room.state().repeat).toBe('one');
    expect(await runReplLine(room.commands, 'repeat')).toBe('Repeat off.');
    expect(await runReplLine(room.commands, 'repeat all')).toBe('Repeating the queue.');
    expect(room.state().repeat).toBe('all');
    expect(await runReplLine(room.commands, 'repeat twice')).toBe('Error: usage: repeat [off|all|one]');
    expect(await runReplLine(room.commands, 'help')).toMatch(/repeat \[off\|all\|one\]/);
  });
});

describe('repl: volume', () => {
  /** Handlers over an in-memory room of three devices, scaling the group with the real rule. */
  function threeDevices() {
    let devices: DeviceOutputInfo[] = [
      {
        peerId: '12D3KooWLiving',
        name: 'living',
        self: true,
        volume: 1,
        muted: false,
        outputOffsetMs: 0,
        channel: 'stereo',
      },
      {
        peerId: '12D3KooWKitchen',
        name: 'Kitchen',
        self: false,
        volume: 0.5,
        muted: false,
        outputOffsetMs: 0,
        channel: 'stereo',
      },
      {
        peerId: '12D3KooWAttic',
        name: 'attic',
        self: false,
        volume: 0.2,
        muted: false,
        outputOffsetMs: 0,
        channel: 'stereo',
      },
    ];
    const h = {
      'devices:list': () => devices,
      'devices:settings': ({ peerId, ...patch }: { peerId: string } & Partial<DeviceOutputInfo>) =>
        (devices = devices.map((d) => (d.peerId === peerId ? { ...d, ...patch } : d))),
      'volume:group': ({ group }: { group: number }) => {
        const volumes = scaleToGroup(
          devices.map((d) => d.volume),
          group,
        );
        devices = devices.map((d, i) => ({ ...d, volume: volumes[i] as number }));
        return { group, devices };
      },
    } as unknown as BridgeHandlers;
    return { commands: replCommands({ handlers: h, debug: () => ({}) }), devices: () => devices };
  }

  it('lists every speaker, sets this device, another by name or peer id, mutes, and moves the group', async () => {
    const room = threeDevices();
    expect(await runReplLine(room.commands, 'volume')).toMatch(
      /^living\s+100%\s+\(this device\)\nKitchen\s+50%\nattic\s+20%$/,
    );
    await runReplLine(room.commands, 'volume 80');
    expect(room.devices()[0]?.volume).toBe(0.8);
    await runReplLine(room.commands, 'volume kitchen 30');
    expect(room.devices()[1]?.volume).toBe(0.3);
    expect(await runReplLine(room.commands, 'volume Attic mute')).toMatch(/attic\s+20%\s+muted/);
    await runReplLine(room.commands, 'volume Attic unmute');
    expect(room.devices()[2]?.muted).toBe(false);
    await runReplLine(room.commands, 'volume Kitchen 45');
    expect(room.devices()[1]?.volume).toBe(0.45);
    await runReplLine(room.commands, 'volume group 40');
    expect(room.devices().map((d) => d.volume)).toEqual([0.4, 0.225, 0.1]);
  });

  it('explains bad input', async () => {
    const room = threeDevices();
    expect(await runReplLine(room.commands, 'volume 140')).toMatch(/usage: volume \[device\] N/);
    expect(await runReplLine(room.commands, 'volume garage 20')).toBe(
      'Error: no device “garage”; the room has living, Kitchen, attic',
    );
    expect(await runReplLine(room.commands, 'volume group loud')).toMatch(/usage: volume group N/);
    expect(await runReplLine(room.commands, 'volume a b c')).toMatch(/usage: volume \[device\] N/);
  });
});
