import { describe, expect, it } from 'vitest';
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { MemberInfo, PeerStatus } from '../../shared/status';
import {
  describeRoomChanges,
  downloadRows,
  downloadText,
  healthOf,
  orderedMembers,
  speakerHealth,
  speakerText,
} from './health';

const member = (peerId: string, name: string): MemberInfo => ({
  peerId,
  name,
  priority: 0,
  role: 'follower',
  addrs: [],
  lastSeenMs: 0,
  rttMs: null,
  clock: null,
});
const status = (members: MemberInfo[], leader: string | null): PeerStatus => ({
  self: { peerId: 'me', name: 'Desk', priority: 0, addrs: [] },
  leader: leader ? { peerId: leader, epoch: 1 } : null,
  members,
  clock: null,
  playback: { state: 'stopped', trackId: null, positionSec: 0 },
  dropped: {},
  config: {},
  log: [],
});

describe('healthOf', () => {
  it('grades errors by size either side of zero', () => {
    expect(healthOf(0.8)).toBe('good');
    expect(healthOf(-4.9)).toBe('good');
    expect(healthOf(12)).toBe('fair');
    expect(healthOf(-40)).toBe('poor');
    expect(healthOf(null)).toBe('unknown');
    expect(healthOf(undefined)).toBe('unknown');
    expect(healthOf(Number.NaN)).toBe('unknown');
  });
});

describe('orderedMembers', () => {
  it('puts the leader first, then names in order', () => {
    const list = [member('c', 'Kitchen'), member('a', 'Attic'), member('b', 'Study')];
    expect(orderedMembers(list, 'b').map((m) => m.name)).toEqual(['Study', 'Attic', 'Kitchen']);
    expect(orderedMembers(list, null).map((m) => m.name)).toEqual(['Attic', 'Kitchen', 'Study']);
  });
});

describe('downloadRows', () => {
  it('names tracks from the library and lists unfinished ones first', () => {
    const track = {
      trackId: 't1',
      title: 'So What',
      artist: 'Miles Davis',
      sizeBytes: 57_600_000,
    } as RoomTrack;
    const rows = downloadRows(
      {
        t1: { haveChunks: 10, totalChunks: 10, bytes: 100, done: true },
        t2abcdefghijk: { haveChunks: 3, totalChunks: 9, bytes: 30, done: false },
      },
      new Map([['t1', track]]),
    );
    expect(rows.map((r) => r.title)).toEqual(['Track t2abcdefgh…', 'So What — Miles Davis']);
    expect(downloadRows(undefined, new Map())).toEqual([]);
  });

  it('says the track’s size, not the bytes this device happened to transfer', () => {
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    const row = { trackId: 't1', title: 'x', haveChunks: 10, totalChunks: 10, bytes: 7_500_000, done: true };
    expect(downloadText({ ...row, sizeBytes: 57_600_000 }, mb)).toBe('done · 57.6 MB');
    expect(downloadText({ ...row, haveChunks: 5, done: false, sizeBytes: 57_600_000 }, mb)).toBe(
      '50% · 28.8 MB of 57.6 MB',
    );
    expect(downloadText({ ...row, haveChunks: 3, done: false, sizeBytes: null }, mb)).toBe(
      '30% · 3 of 10 chunks',
    );
  });
});

describe('speaker health', () => {
  it('judges a device by its output against group time, not by its clock’s error bound', () => {
    const playing = (syncErrorMs: number | null) => ({
      state: 'playing' as const,
      detail: null,
      syncErrorMs,
    });
    expect(speakerHealth(playing(0.02))).toBe('good');
    expect(speakerHealth(playing(-0.9))).toBe('good');
    expect(speakerHealth(playing(3))).toBe('fair');
    expect(speakerHealth(playing(12))).toBe('poor');
    expect(speakerHealth(playing(null))).toBe('unknown');
    expect(speakerHealth({ state: 'needs-click', detail: null, syncErrorMs: null })).toBe('poor');
    expect(speakerHealth({ state: 'idle', detail: null, syncErrorMs: null })).toBe('unknown');
    expect(speakerHealth(null)).toBe('unknown');
  });

  it('says what the speaker does in words', () => {
    expect(speakerText({ state: 'playing', detail: null, syncErrorMs: 0.021 })).toBe('Playing · 0.02 ms off');
    expect(speakerText({ state: 'playing', detail: null, syncErrorMs: 0.001 })).toBe(
      'Playing · <0.01 ms off',
    );
    expect(speakerText({ state: 'needs-click', detail: null, syncErrorMs: null })).toBe(
      'No sound — needs a click',
    );
    expect(
      speakerText({ state: 'failed', detail: 'This file could not be decoded', syncErrorMs: null }),
    ).toBe('Cannot play: This file could not be decoded');
    expect(speakerText(null)).toBe('No window playing');
  });
});

describe('describeRoomChanges', () => {
  it('announces a new leader and members joining and leaving', () => {
    const before = status([member('me', 'Desk'), member('a', 'Attic')], 'a');
    const after = status([member('me', 'Desk'), member('b', 'Study')], 'me');
    expect(describeRoomChanges(before, after)).toEqual([
      'This device is now the leader.',
      'Study joined the room.',
      'Attic left the room.',
    ]);
    expect(describeRoomChanges(after, after)).toEqual([]);
    expect(describeRoomChanges(null, after)).toEqual([]);
  });
});
