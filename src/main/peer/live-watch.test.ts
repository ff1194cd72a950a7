import { describe, expect, it } from 'vitest';
import type { BridgeEvents } from '../../shared/bridge/contract';
import { TypedEventTarget } from '../../shared/events';
import { LiveWatch } from './live-watch';
import { componentLogger, silentLogger } from '../../shared/logger';

const source = { sourceId: 's1', name: 'Radio', peerId: 'kitchen' };

function watch(opts: { leader: boolean; members: string[]; gone?: boolean; playing?: typeof source | null }) {
  const requests: unknown[] = [];
  const lines: string[] = [];
  const events = new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test'));
  const stopped: unknown[] = [];
  events.on('live:stopped', (e) => stopped.push(e));
  let status = 0;
  const running = {
    room: { isLeader: () => opts.leader, members: () => opts.members.map((peerId) => ({ peerId })) },
    playback: {
      request: async (c: unknown) => void requests.push(c),
      state: () => ({ source: opts.playing === undefined ? source : opts.playing }),
    },
    node: { peerId: 'self' },
    live: { gone: () => opts.gone ?? false },
  };
  const w = new LiveWatch({
    running: () => running as never,
    events,
    statusChanged: () => status++,
    logger: componentLogger((l) => lines.push(l)),
  });
  return { w, requests, lines, stopped, status: () => status };
}

describe('LiveWatch', () => {
  it('records a stop once per source and tells windows; the leader stops playback each time', () => {
    const t = watch({ leader: true, members: [] });
    t.w.stop(source, 'Kitchen left the room');
    t.w.stop(source, 'Kitchen left the room');
    expect(t.w.lastStop).toMatchObject({ sourceId: 's1', name: 'Radio', reason: 'Kitchen left the room' });
    expect(t.stopped).toEqual([{ sourceId: 's1', name: 'Radio', reason: 'Kitchen left the room' }]);
    expect(t.lines).toEqual(['live: "Radio" stopped: Kitchen left the room']);
    expect(t.requests).toEqual([{ kind: 'stop' }, { kind: 'stop' }]);
    expect(t.status()).toBe(1);
    t.w.clear();
    expect(t.w.lastStop).toBeNull();
  });

  it('a follower records why but leaves the stop to the leader', () => {
    const t = watch({ leader: false, members: [] });
    t.w.stop(source, 'gone');
    expect(t.requests).toEqual([]);
    expect(t.w.lastStop?.reason).toBe('gone');
  });

  it('checks that the source device is still a member and still offers the source', () => {
    const left = watch({ leader: true, members: ['hall'] });
    left.w.check();
    expect(left.w.lastStop?.reason).toBe('its device left the room');
    const gone = watch({ leader: true, members: ['kitchen'], gone: true });
    gone.w.check();
    expect(gone.w.lastStop?.reason).toBe('its device no longer offers it');
    const fine = watch({ leader: true, members: ['kitchen'] });
    fine.w.check();
    const idle = watch({ leader: true, members: [], playing: null });
    idle.w.check();
    expect([fine.w.lastStop, idle.w.lastStop, fine.requests.length]).toEqual([null, null, 0]);
  });
});
