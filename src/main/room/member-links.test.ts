import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Member } from '../../shared/election';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import { keepMemberLinks } from './member-links';

const member = (peerId: string): Member =>
  ({ peerId, name: peerId, priority: 0, addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${peerId}`] }) as unknown as Member;

describe('keepMemberLinks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dials a member when it joins and redials members that are still not connected', () => {
    vi.useFakeTimers();
    const events = new TypedEventTarget<{ 'member:joined': Member }>(
      silentLogger.forComponent('firefly:test'),
    );
    const members: Member[] = [];
    const connected = new Set<string>();
    const dials: string[] = [];
    const node = {
      connectedPeers: () => [...connected],
      dialMember: (peerId: string) => void dials.push(peerId),
    };
    const stop = keepMemberLinks(node, { members: () => members, events }, { retryMs: 1000 });

    members.push(member('A'), member('B'));
    events.emit('member:joined', members[0]!);
    events.emit('member:joined', members[1]!);
    expect(dials).toEqual(['A', 'B']);

    connected.add('A');
    vi.advanceTimersByTime(1000);
    expect(dials).toEqual(['A', 'B', 'B']);

    stop();
    events.emit('member:joined', member('C'));
    vi.advanceTimersByTime(5000);
    expect(dials).toEqual(['A', 'B', 'B']);
  });
});
