/** The bridge's playback, queue, playlist, live and speaker handlers: each one a command to the leader or a read. */
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import { exportM3u8, importM3u8 } from '../playlists/m3u8-io';
import { InvalidSettingError } from '../settings-guard';
import type { HandlerHost } from './handler-host';

type PlaybackChannel =
  | 'playback:play'
  | 'live:sources'
  | 'live:capture-start'
  | 'live:capture-push'
  | 'live:capture-stop'
  | 'playback:pause'
  | 'playback:resume'
  | 'playback:stop'
  | 'playback:next'
  | 'playback:prev'
  | 'playback:seek'
  | 'playback:report'
  | 'speaker:state'
  | 'playback:state'
  | 'playback:ready'
  | 'playback:unplayable'
  | 'queue:enqueue'
  | 'queue:remove'
  | 'queue:move'
  | 'queue:clear'
  | 'queue:replace'
  | 'playback:shuffle'
  | 'playback:repeat'
  | 'playback:crossfade'
  | 'playback:loudness'
  | 'playlists:list'
  | 'playlists:save'
  | 'playlists:delete'
  | 'playlists:play'
  | 'playlists:import'
  | 'playlists:export';

/** The handlers of what plays. */
export type PlaybackHandlers = Pick<BridgeHandlers, PlaybackChannel>;

/** Makes the playback handlers over a peer. */
export function playbackHandlers(peer: HandlerHost): PlaybackHandlers {
  const command = peer.command.bind(peer);
  const m3u8Deps = () => {
    const running = peer.require();
    return { playlists: running.playlists, db: running.library.db, tracks: () => peer.tracks() };
  };
  return {
    'playback:play': async ({ sourceId, ...request }) => {
      if (sourceId === undefined) return command({ kind: 'play', ...request });
      if (request.index !== undefined || request.trackId !== undefined)
        throw new InvalidSettingError('play needs one of index, trackId or sourceId');
      const source = peer.require().live.find(sourceId);
      if (!source)
        throw new InvalidSettingError(`no live source "${sourceId}" in the room (GET /api/sources)`);
      peer.liveWatch.clear();
      await command({ kind: 'play-source', source });
    },
    'live:sources': () => {
      const running = peer.require();
      return {
        groupNowMs: running.clock.groupNow(),
        sources: running.live.list(),
        lastStop: peer.liveWatch.lastStop,
      };
    },
    'live:capture-start': ({ name, codec }, caller) =>
      peer.require().live.capture.start(name, codec ?? 'opus', caller.connection),
    'live:capture-push': ({ sourceId, frames }) =>
      peer.require().live.capture.push(
        sourceId,
        frames.map((f) => Buffer.from(f, 'base64')),
      ),
    'live:capture-stop': ({ sourceId }) => peer.require().live.capture.stop(sourceId),
    'playback:pause': () => command({ kind: 'pause' }),
    'playback:resume': () => command({ kind: 'resume' }),
    'playback:stop': () => command({ kind: 'stop' }),
    'playback:next': () => command({ kind: 'next' }),
    'playback:prev': () => command({ kind: 'prev' }),
    'playback:seek': ({ positionSec }) => command({ kind: 'seek', positionSec }),
    'playback:report': (report) => {
      peer.speaker.report(report);
      peer.outputChanged();
    },
    'speaker:state': ({ state, detail }) => {
      peer.speaker.setState({ state, detail });
      peer.outputChanged();
      peer.statusChanged();
    },
    'playback:state': () => peer.require().playback.state(),
    'playback:ready': ({ trackId, needMs }) => peer.require().playback.reportReady(trackId, needMs),
    'playback:unplayable': ({ trackId, reason }) => peer.require().playback.reportUnplayable(trackId, reason),
    'queue:enqueue': ({ trackIds }) => command({ kind: 'enqueue', trackIds }),
    'queue:remove': ({ index }) => command({ kind: 'remove', index }),
    'queue:move': ({ from, to }) => command({ kind: 'move', from, to }),
    'queue:clear': () => command({ kind: 'clear' }),
    'queue:replace': ({ trackIds, playIndex }) =>
      command(
        playIndex === undefined ? { kind: 'replace', trackIds } : { kind: 'replace', trackIds, playIndex },
      ),
    'playback:shuffle': ({ on }) => command({ kind: 'shuffle', on }),
    'playback:repeat': ({ mode }) => command({ kind: 'repeat', mode }),
    'playback:crossfade': ({ sec }) => command({ kind: 'crossfade', sec }),
    'playback:loudness': (setting) => command({ kind: 'loudness', ...setting }),
    'playlists:list': () => peer.require().playlists.list(),
    'playlists:save': (change) => peer.require().playlists.save(change),
    'playlists:delete': ({ id }) => peer.require().playlists.delete(id),
    'playlists:play': async ({ id, index }) => {
      const playlist = peer.require().playlists.get(id);
      if (playlist.trackIds.length === 0)
        throw new InvalidSettingError(`playlist "${playlist.name}" is empty`);
      await command({ kind: 'replace', trackIds: playlist.trackIds, playIndex: index ?? 0 });
    },
    'playlists:import': (request) => importM3u8(m3u8Deps(), request),
    'playlists:export': (request) => exportM3u8(m3u8Deps(), request),
  };
}
