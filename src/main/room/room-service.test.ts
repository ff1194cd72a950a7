/**
 * RoomService with real timers and files, its peers joined by an in-process topic that passes every message
 * through the wire codec (encode, decode, sender check), as the gossipsub control channel does.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeControl, encodeControl, type ControlMessage } from '../../shared/protocol';
import type { LeaderInfo } from '../../shared/status';
import { waitFor } from '../net/testing/helpers';
import { RoomService, type ControlTopic } from './room-service';

type Listener = (message: { value: ControlMessage; from: string }) => void;

/** A broadcast topic between RoomServices in this process. */
class Bus {
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Peers whose messages no longer arrive anywhere, as if they had crashed. */
  readonly silenced = new Set<string>();

  topic(peerId: string): ControlTopic {
    return {
      publish: async (message) => {
        const bytes = encodeControl(message);
        if (this.silenced.has(peerId)) return;
        for (const [id, listeners] of this.#listeners) {
          if (id === peerId) continue;
          const decoded = decodeControl(bytes, peerId);
          if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.detail}`);
          // Delivered on a later turn, as a network would.
          setTimeout(() => listeners.forEach((l) => l({ value: decoded.value, from: peerId })), 1);
        }
      },
      on: (_type, listener, options) => {
        const set = this.#listeners.get(peerId) ?? new Set<Listener>();
        this.#listeners.set(peerId, set);
        set.add(listener);
        options?.signal?.addEventListener('abort', () => set.delete(listener));
      },
    };
  }

  /** Delivers a message as if `from` had sent it, bypassing the codec (for input the codec lets through). */
  inject(to: string, value: ControlMessage, from: string): void {
    this.#listeners.get(to)?.forEach((l) => l({ value, from }));
  }
}

const timings = { startupGraceMs: 100, heartbeatMs: 50, followerHeartbeatMs: 60, memberTimeoutMs: 400 };
const dirs: string[] = [];
const services: RoomService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ff-room-'));
  dirs.push(dir);
  return dir;
}

function service(bus: Bus, peerId: string, options: { dataDir?: string; priority?: number } = {}) {
  const room = new RoomService(
    { control: bus.topic(peerId) },
    {
      self: { peerId, name: `peer ${peerId.slice(-4)}`, priority: options.priority ?? 0, addrs: [] },
      timings,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    },
  );
  services.push(room);
  return room;
}

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

describe('RoomService', () => {
  it('keeps the highest epoch in its data folder, so a restarted peer leads at a new epoch', async () => {
    const dataDir = await tempDir();
    const bus = new Bus();
    const first = service(bus, A, { dataDir });
    const leaders: (LeaderInfo | null)[] = [];
    first.events.on('leader:changed', (leader) => leaders.push(leader));
    await first.start();
    await waitFor(() => first.isLeader(), 'a lone peer leads');
    expect(leaders).toEqual([{ peerId: A, epoch: 1 }]);
    await first.stop();
    expect(await readFile(path.join(dataDir, 'room-epoch'), 'utf8')).toBe('1');

    const again = service(new Bus(), A, { dataDir });
    await again.start();
    await waitFor(() => again.isLeader(), 'the restarted peer leads');
    expect(again.leader()).toEqual({ peerId: A, epoch: 2 });
    await again.stop();
    expect(await readFile(path.join(dataDir, 'room-epoch'), 'utf8')).toBe('2');
  });

  it('starts from epoch 0 when the epoch file is damaged, instead of failing', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, 'room-epoch'), 'not a number');
    const room = service(new Bus(), A, { dataDir });
    await room.start();
    await waitFor(() => room.isLeader(), 'leads');
    expect(room.epoch()).toBe(1);
  });

  it('announces joins, the leader and a member that leaves, and counts what it drops', async () => {
    const bus = new Bus();
    const low = service(bus, A);
    const high = service(bus, B);
    const joined: string[] = [];
    const left: { peerId: string; reason: string }[] = [];
    low.events.on('member:joined', (m) => joined.push(m.peerId));
    low.events.on('member:left', ({ member, reason }) => left.push({ peerId: member.peerId, reason }));
    await low.start();
    await high.start();
    await waitFor(() => low.leader()?.peerId === B && high.isLeader(), 'the higher peer leads both');
    expect(joined).toEqual([B]);
    expect(low.members().map((m) => m.peerId)).toEqual([B]);
    expect(low.role()).toBe('follower');

    // A claim at an epoch below the one it follows is stale: dropped and counted, nothing changes.
    const leader = low.leader();
    bus.inject(A, { v: 1, type: 'coordinator', from: B, epoch: 0, seq: 1 } as ControlMessage, B);
    expect(low.dropped()).toMatchObject({ staleEpoch: 1 });
    expect(low.leader()).toEqual(leader);

    await high.stop();
    await waitFor(() => left.length > 0, 'the leaving member is announced');
    expect(left).toEqual([{ peerId: B, reason: 'leave' }]);
    await waitFor(() => low.isLeader(), 'the remaining peer takes over');
    expect(low.epoch()).toBeGreaterThan(leader!.epoch);
  });

  it('removes a member that falls silent after its timeout', async () => {
    const bus = new Bus();
    const stays = service(bus, B);
    const dies = service(bus, A);
    const left: string[] = [];
    stays.events.on('member:left', ({ member, reason }) => left.push(`${member.peerId}:${reason}`));
    await stays.start();
    await dies.start();
    await waitFor(() => stays.members().length === 1, 'both in the room');
    // A crash, as the others see it: its messages stop arriving, and no leave is sent.
    bus.silenced.add(A);
    await waitFor(() => stays.members().length === 0, 'the silent member is removed', 5000);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^${A}:`));
    expect(left[0]).not.toMatch(/:leave$/);
  });
});
