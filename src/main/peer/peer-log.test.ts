import { describe, expect, it } from 'vitest';
import { LogLimiter } from '../net/log-limiter';
import { PeerLog } from './peer-log';

const trackId = 'ab'.repeat(32);
const selfId = `12D3KooW${'A'.repeat(44)}`;
const otherId = `12D3KooW${'B'.repeat(44)}`;
const strangerId = `12D3KooW${'C'.repeat(38)}xyz123`;
const names = {
  tracks: () => [{ id: trackId, title: 'Song', artist: 'Band' }],
  selfId: () => selfId,
  members: () => [{ peerId: otherId, name: 'Kitchen' }],
};

describe('PeerLog', () => {
  it('keeps the last lines only, each stamped with the time', () => {
    const log = new PeerLog({ maxLines: 3, limiter: new LogLimiter({ perKind: 100 }) });
    for (const word of ['one', 'two', 'three', 'four']) log.line(`line ${word}`);
    const lines = log.readable(names);
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['line two', 'line three', 'line four']);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('names tracks and devices, leaves ids inside addresses and shortens unknown ones', () => {
    const log = new PeerLog();
    log.line(`fetch ${trackId} from ${otherId} by ${selfId}`);
    log.line(`dial /ip4/1.2.3.4/tcp/1/p2p/${otherId} for ${'cd'.repeat(32)} by ${strangerId}`);
    const [first, second] = log.readable(names).map((l) => l.replace(/^\S+ /, ''));
    expect(first).toBe('fetch "Song" by Band from Kitchen by this device');
    expect(second).toBe(`dial /ip4/1.2.3.4/tcp/1/p2p/${otherId} for track cdcdcdcd… by device …xyz123`);
  });

  it('names no member while the peer is not running', () => {
    const log = new PeerLog();
    log.line(`hello ${otherId}`);
    const [line] = log.readable({ ...names, selfId: () => null });
    expect(line).toMatch(/hello device …BBBBBB$/);
  });

  it('counts the lines its limiter leaves out', () => {
    const log = new PeerLog({ limiter: new LogLimiter({ perKind: 2, now: () => 0 }) });
    for (let i = 0; i < 5; i++) log.line(`disk full ${i}`);
    expect(log.suppressed).toBe(3);
    expect(log.readable(names)).toHaveLength(2);
  });
});
