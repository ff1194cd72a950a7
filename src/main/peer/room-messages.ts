/** A service's view of the room's control topic: the messages of its own kinds in, its messages out. */
import type { ControlDraft } from '../../shared/protocol';
import type { RoomService } from '../room/room-service';

/** What a service subscribes with: its listener, until the signal aborts. */
export type RoomSubscribe<M> = (
  /** `seq` is the sender's sequence number (it grows with each message, across restarts too). */
  listener: (from: string, message: M, seq: number) => void,
  options: { signal: AbortSignal },
) => void;

/** Subscribes to the room's messages whose type `accepts` takes (message:other carries those the room does not handle). */
export function roomSubscriber<M>(
  room: Pick<RoomService, 'events'>,
  accepts: (type: unknown) => boolean,
): RoomSubscribe<M> {
  return (listener, { signal }) => {
    const off = room.events.on('message:other', ({ value, from }) => {
      if (accepts(value.type)) listener(from, value as M, value.seq);
    });
    signal.addEventListener('abort', off, { once: true });
  };
}

/** Publishes a service's message on the room's control topic (the room adds sender and epoch). */
export function roomPublisher(
  room: Pick<RoomService, 'publish'>,
): (message: { type: string }) => Promise<void> {
  return (message) => room.publish(message as Omit<ControlDraft, 'from' | 'epoch'>);
}
