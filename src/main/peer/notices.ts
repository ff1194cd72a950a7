/** The room's comings and goings as notices for the user (the desktop shell turns them into notifications). */
import type { TypedEventTarget } from '../../shared/events';
import type { RoomService } from '../room/room-service';

/** Things worth telling the user about. */
export interface PeerNotices {
  notice: { kind: 'leader' | 'joined' | 'left'; title: string; body: string };
}

/** Emits a notice when a member joins or leaves and when the leader changes; returns a function that stops. */
export function announceRoomChanges(
  room: Pick<RoomService, 'events' | 'members'>,
  selfId: string,
  notices: TypedEventTarget<PeerNotices>,
): () => void {
  const offs = [
    room.events.on('member:left', ({ member, reason }) => {
      notices.emit('notice', {
        kind: 'left',
        title: `${member.name} left the room`,
        body: reason === 'timeout' ? 'It stopped answering.' : 'It left.',
      });
    }),
    room.events.on('member:joined', (member) => {
      notices.emit('notice', { kind: 'joined', title: `${member.name} joined the room`, body: '' });
    }),
    room.events.on('leader:changed', (leader) => {
      if (!leader) return;
      const name =
        leader.peerId === selfId
          ? 'This device'
          : (room.members().find((m) => m.peerId === leader.peerId)?.name ?? 'Another device');
      notices.emit('notice', {
        kind: 'leader',
        title: `${name} now leads the room`,
        body: `Epoch ${leader.epoch}`,
      });
    }),
  ];
  return () => offs.forEach((off) => off());
}
