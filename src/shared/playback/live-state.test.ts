import { describe, expect, it } from 'vitest';
import { stateValidator, commandValidator } from './validate';
import { initialPlaybackState, playbackStatus, sameTimeline, summarize, type PlaybackState } from './state';
import { applyCommand, type CommandContext } from './commands';

const source = { sourceId: 'line-in-0123456789ab', name: 'Line in', peerId: '12D3KooWSource' };
const ctx: CommandContext = {
  leadTimeMs: 150,
  epoch: 1,
  updatedBy: '12D3KooWLeader',
  trackExists: (id) => id.startsWith('t'),
  durationSec: () => 100,
  libraryOrder: () => ['t1', 't2'],
  sourceAvailable: (s) => s.sourceId === source.sourceId,
};

function apply(state: PlaybackState, command: Parameters<typeof applyCommand>[1], now = 1000): PlaybackState {
  const r = applyCommand(state, command, now, ctx);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('a live source in the playback state', () => {
  it('plays a source instead of a track, then a track or a stop ends it', () => {
    const queued = apply(initialPlaybackState(), { kind: 'replace', trackIds: ['t1', 't2'], playIndex: 0 });
    const live = apply(queued, { kind: 'play-source', source });
    expect(live).toMatchObject({ source, currentIndex: null, queue: ['t1', 't2'], paused: false });
    expect(live.anchor.groupTimeMs).toBe(1150);
    expect(playbackStatus(live)).toBe('playing');
    expect(summarize(live, 3150)).toMatchObject({ state: 'playing', trackId: null, positionSec: 2, source });
    expect(stateValidator(JSON.parse(JSON.stringify(live))).ok).toBe(true);
    expect(sameTimeline(queued, live)).toBe(false);

    const track = apply(live, { kind: 'play', trackId: 't2' });
    expect(track.source).toBeUndefined();
    expect(JSON.stringify(track)).not.toContain('source');
    const stopped = apply(live, { kind: 'stop' });
    expect(playbackStatus(stopped)).toBe('stopped');
    expect(JSON.stringify(stopped)).not.toContain('source');
  });

  it('pauses and resumes live (from what plays now), keeps playing through queue edits, refuses next and seek', () => {
    const live = apply(initialPlaybackState(), { kind: 'play-source', source });
    const paused = apply(live, { kind: 'pause' }, 5000);
    expect(playbackStatus(paused)).toBe('paused');
    expect(stateValidator(JSON.parse(JSON.stringify(paused))).ok).toBe(true);
    const resumed = apply(paused, { kind: 'resume' }, 9000);
    expect(resumed.anchor).toEqual({ groupTimeMs: 9150, positionSec: 0 });
    expect(apply(live, { kind: 'replace', trackIds: ['t1'] }).source).toEqual(source);
    expect(apply(live, { kind: 'clear' }).source).toEqual(source);
    for (const kind of ['next', 'prev'] as const)
      expect(applyCommand(live, { kind }, 1000, ctx)).toMatchObject({ ok: false });
    expect(applyCommand(live, { kind: 'seek', positionSec: 3 }, 1000, ctx)).toMatchObject({ ok: false });
  });

  it('refuses a source that is not in the room, and malformed sources on the wire', () => {
    const gone = { ...source, sourceId: 'other-0123456789ab' };
    expect(applyCommand(initialPlaybackState(), { kind: 'play-source', source: gone }, 0, ctx)).toEqual({
      ok: false,
      error: 'live source "Line in" is not in the room',
    });
    expect(commandValidator({ kind: 'play-source', source: { ...source, sourceId: '../x' } }).ok).toBe(false);
    const live = apply(initialPlaybackState(), { kind: 'play-source', source });
    expect(stateValidator({ ...live, currentIndex: 0, queue: ['t1'] }).ok).toBe(false);
  });
});
