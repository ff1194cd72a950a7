import { describe, expect, it } from 'vitest';
import { logger } from '../../shared/logger';
import { initialPlaybackState } from '../../shared/playback/state';
import { PlaybackWire } from './playback-wire';

function aWire(send: () => void | Promise<unknown>): { wire: PlaybackWire; lines: string[] } {
  const lines: string[] = [];
  return {
    wire: new PlaybackWire(
      send,
      logger('firefly:playback', (line) => lines.push(line)),
    ),
    lines,
  };
}

describe('PlaybackWire', () => {
  it('logs a publish that throws instead of throwing it into the service', () => {
    const { wire, lines } = aWire(() => {
      throw new Error('topic closed');
    });
    expect(() => wire.publish({ type: 'playback:sync-request', collect: false })).not.toThrow();
    expect(lines).toEqual(['playback: warning: publishing playback:sync-request failed: topic closed']);
  });

  it('logs a publish whose promise rejects', async () => {
    const { wire, lines } = aWire(() => Promise.reject(new Error('no peers')));
    wire.publish({ type: 'playback:ready', trackId: 't1', version: 3 });
    await Promise.resolve();
    await Promise.resolve();
    expect(lines).toEqual(['playback: warning: publishing playback:ready failed: no peers']);
  });

  it('counts the states it publishes', () => {
    const sent: unknown[] = [];
    const { wire } = aWire((...args: unknown[]) => void sent.push(args[0]));
    wire.publishState(initialPlaybackState(), null);
    wire.publishState(initialPlaybackState(), null);
    expect(sent).toHaveLength(2);
    expect(wire.counts().statesPublished).toBe(2);
  });

  it('accepts a valid message and drops invalid ones by known type only', () => {
    const { wire, lines } = aWire(() => {});
    const ready = { type: 'playback:ready', trackId: 't1', version: 0 };
    expect(wire.accept('B', ready)).toEqual(ready);
    expect(wire.accept('B', { type: 'playback:ready', trackId: '' })).toBeNull();
    expect(wire.accept('B', { type: 'made-up:type' })).toBeNull();
    expect(wire.accept('B', 'not an object')).toBeNull();
    wire.drop('futureEpoch');
    expect(wire.counts().dropped).toEqual({ 'invalid:playback:ready': 1, invalid: 2, futureEpoch: 1 });
    expect(lines).toHaveLength(3);
  });
});
