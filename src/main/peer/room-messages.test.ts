import { describe, expect, it } from 'vitest';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import type { RoomEvents } from '../room/room-service';
import { roomPublisher, roomSubscriber } from './room-messages';

describe('room messages', () => {
  it('passes on the messages of the accepted types until the signal aborts', () => {
    const events = new TypedEventTarget<RoomEvents>(silentLogger.forComponent('firefly:test'));
    const subscribe = roomSubscriber<{ type: string }>({ events }, (type) => type === 'devices:output');
    const heard: [string, string][] = [];
    const controller = new AbortController();
    subscribe((from, message) => heard.push([from, message.type]), { signal: controller.signal });
    events.emit('message:other', { value: { type: 'devices:output' } as never, from: 'a' });
    events.emit('message:other', { value: { type: 'playlist:changed' } as never, from: 'b' });
    controller.abort();
    events.emit('message:other', { value: { type: 'devices:output' } as never, from: 'c' });
    expect(heard).toEqual([['a', 'devices:output']]);
  });

  it('publishes through the room', async () => {
    const sent: unknown[] = [];
    const publish = roomPublisher({ publish: async (m) => void sent.push(m) });
    await publish({ type: 'live:sources' });
    expect(sent).toEqual([{ type: 'live:sources' }]);
  });
});
