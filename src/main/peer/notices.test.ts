import { describe, expect, it } from 'vitest';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import type { RoomEvents } from '../room/room-service';
import { announceRoomChanges, type PeerNotices } from './notices';

function room() {
  const events = new TypedEventTarget<RoomEvents>(silentLogger.forComponent('firefly:test'));
  return { events, members: () => [{ peerId: 'kitchen', name: 'Kitchen' }] } as never as {
    events: TypedEventTarget<RoomEvents>;
    members: () => never[];
  };
}

describe('announceRoomChanges', () => {
  it('tells of members joining and leaving and of a new leader, until stopped', () => {
    const r = room();
    const notices = new TypedEventTarget<PeerNotices>(silentLogger.forComponent('firefly:test'));
    const seen: PeerNotices['notice'][] = [];
    notices.on('notice', (n) => seen.push(n));
    const stop = announceRoomChanges(r as never, 'self', notices);
    const kitchen = { peerId: 'kitchen', name: 'Kitchen' } as never;
    r.events.emit('member:joined', kitchen);
    r.events.emit('member:left', { member: kitchen, reason: 'timeout' });
    r.events.emit('member:left', { member: kitchen, reason: 'leave' });
    r.events.emit('leader:changed', { peerId: 'kitchen', epoch: 3 } as never);
    r.events.emit('leader:changed', { peerId: 'self', epoch: 4 } as never);
    r.events.emit('leader:changed', { peerId: 'stranger', epoch: 5 } as never);
    r.events.emit('leader:changed', null);
    expect(seen).toEqual([
      { kind: 'joined', title: 'Kitchen joined the room', body: '' },
      { kind: 'left', title: 'Kitchen left the room', body: 'It stopped answering.' },
      { kind: 'left', title: 'Kitchen left the room', body: 'It left.' },
      { kind: 'leader', title: 'Kitchen now leads the room', body: 'Epoch 3' },
      { kind: 'leader', title: 'This device now leads the room', body: 'Epoch 4' },
      { kind: 'leader', title: 'Another device now leads the room', body: 'Epoch 5' },
    ]);
    stop();
    r.events.emit('member:joined', kitchen);
    expect(seen).toHaveLength(6);
  });
});
