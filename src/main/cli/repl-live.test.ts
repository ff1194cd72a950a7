import { describe, expect, it, vi } from 'vitest';
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import type { LiveSourceList } from '../../shared/live/sources';
import { initialPlaybackState } from '../../shared/playback/state';
import { replCommands, runReplLine } from './repl';

const source = { sourceId: 'airplay-0123456789ab', name: 'AirPlay', peerId: 'p2' };
const list: LiveSourceList = {
  groupNowMs: 0,
  sources: [
    { ...source, kind: 'command', state: 'running', error: null, peerName: 'living', local: false },
    {
      sourceId: 'x-0123456789ab',
      name: 'ftp://x',
      kind: 'pipe',
      state: 'failed',
      error: 'ftp sources are not supported',
      peerId: 'p1',
      peerName: 'kitchen',
      local: true,
    },
    {
      sourceId: 'line-in-0123456789ab',
      name: 'Line in',
      kind: 'pipe',
      state: 'running',
      error: null,
      peerId: 'p1',
      peerName: 'kitchen',
      local: true,
      frames: 48_000,
      listeners: 2,
      codec: 'flac',
      slowListeners: 1,
    },
  ],
  lastStop: null,
};

function room() {
  const play = vi.fn();
  const h = {
    'live:sources': vi.fn(() => list),
    'playback:play': play,
    'playback:state': vi.fn(() => ({ ...initialPlaybackState(), source })),
    'peer:status': vi.fn(() => ({ dropped: {}, config: {}, clock: {}, members: [], log: [] })),
  };
  return { play, commands: replCommands({ handlers: h as unknown as BridgeHandlers, debug: () => ({}) }) };
}

describe('repl live sources', () => {
  it('lists the room’s sources with where they play and why one failed', async () => {
    const text = await runReplLine(room().commands, 'sources');
    expect(text).toMatch(/AirPlay\s+command\s+on living\s+running/);
    expect(text).toMatch(/ftp:\/\/x\s+pipe\s+on this device\s+failed: ftp sources are not supported/);
  });

  it('plays a source by name, and explains a missing name', async () => {
    const r = room();
    expect(await runReplLine(r.commands, 'play source Air Play')).toBe('Playing live source AirPlay');
    expect(r.play).toHaveBeenCalledWith({ sourceId: 'Air Play' }, expect.anything());
    expect(await runReplLine(r.commands, 'play source')).toMatch(/usage: play source <name>/);
  });

  it('shows in debug how each of this device’s sources goes out and how many listeners were too slow', async () => {
    const text = await runReplLine(room().commands, 'debug');
    const { liveSources } = JSON.parse(text ?? '') as { liveSources: unknown[] };
    expect(liveSources).toEqual([
      { sourceId: 'x-0123456789ab', state: 'failed' },
      {
        sourceId: 'line-in-0123456789ab',
        state: 'running',
        codec: 'flac',
        frames: 48_000,
        listeners: 2,
        slowListeners: 1,
      },
    ]);
  });
});
