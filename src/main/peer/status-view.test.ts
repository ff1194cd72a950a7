import { describe, expect, it } from 'vitest';
import type { PlaybackSummary } from '../../shared/status';
import type { CatalogTrack } from '../swarm/catalog-sync';
import { playbackView, prefixed } from './status-view';

describe('status view', () => {
  it('flattens dropped counts to group.reason and leaves out zeros', () => {
    expect(prefixed({ playback: { badType: 2, stale: 0 }, clock: { shortReply: 1 }, net: {} })).toEqual({
      'playback.badType': 2,
      'clock.shortReply': 1,
    });
  });

  it('names the playing track, or says why the live source stopped', () => {
    const list = [{ id: 't1', title: 'Song', artist: 'Band' }] as CatalogTrack[];
    const tracks = (id: string) => list.find((t) => t.id === id) ?? null;
    const playing = { state: 'playing', trackId: 't1' } as PlaybackSummary;
    expect(playbackView(playing, null, tracks)).toMatchObject({ title: 'Song', artist: 'Band' });
    expect(playbackView({ ...playing, trackId: 'unknown' }, null, tracks)).toEqual({
      ...playing,
      trackId: 'unknown',
    });
    const stop = { sourceId: 's', name: 'Radio', reason: 'its device left the room', atMs: 1 };
    const stopped = { state: 'stopped', trackId: null } as PlaybackSummary;
    expect(playbackView(stopped, stop, tracks).liveStopReason).toBe('Radio: its device left the room');
    expect(playbackView(playing, stop, tracks).liveStopReason).toBeUndefined();
  });
});
