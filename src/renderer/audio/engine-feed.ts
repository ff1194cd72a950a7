/**
 * How the engine answers its feed (`track-feed.ts`): where a track's or a live source's bytes are, where
 * the room is now, and what the feed's news (loading, failures, a live stream's state) does to the
 * engine's status. Kept apart from the engine's plumbing of context, player and clock line.
 */
import { fetchWhole, mediaLocations, type AudioEngineComponents, type ResolvedInit } from './engine-options';
import type { EngineStatus } from './engine-state';
import type { EngineToPlayer, LiveStreamState } from './player/protocol';
import { joinFrameAt } from './player/segment';
import { TrackFeed } from './track-feed';

/** What the feed's answers need from the engine. */
export interface FeedSide {
  readonly rate: number;
  /** Group time now (ms), or null before the group clock has an estimate. */
  groupNowMs(): number | null;
  /** The generation of the engine's current play. */
  generation(): number;
  toPlayer(message: EngineToPlayer, transfer: Transferable[]): void;
  note(line: string): void;
  status(): EngineStatus;
  setStatus(status: EngineStatus, reason?: string): void;
  /** The live stream's trouble in words for Now Playing, or null while it plays. */
  liveTrouble(text: string | null): void;
}

/** The feed of an engine's plays on `ctx`, sending PCM to the player through `playerPort`. */
export function createEngineFeed(
  ctx: AudioContext,
  playerPort: MessagePort,
  components: AudioEngineComponents,
  opts: ResolvedInit,
  side: FeedSide,
): TrackFeed {
  const read = components.fetchWhole ?? fetchWhole;
  const media = mediaLocations(opts, components);
  return new TrackFeed(
    {
      rate: ctx.sampleRate,
      source: media.track,
      liveSource: media.live,
      joinFrame: (segment) => joinFrameAt(segment, side.groupNowMs(), side.rate),
      decodeWhole: async (trackId) => {
        const source = media.track(trackId);
        return ctx.decodeAudioData(await read(source.url, source.headers));
      },
      toPlayer: (message) => side.toPlayer(message, message.type === 'pcm' ? [message.data.buffer] : []),
      note: (line) => side.note(line),
      loading: (decoding) => side.setStatus(decoding ? 'decoding' : 'loading'),
      fail: (trackId, reason, permanent) => {
        side.setStatus('error', reason);
        opts.onTrackFailed?.({ trackId, reason, permanent });
      },
      onLive: (generation, state, detail) => {
        if (generation !== side.generation()) return;
        side.note(`live stream ${state}${detail ? `: ${detail}` : ''}`);
        side.liveTrouble(liveTroubleText(state, detail));
        // A stalled source fades out in the player (no PCM) and back in when data returns.
        if (state === 'stalled' && side.status() === 'playing') side.setStatus('waiting');
      },
      onWorkerError: (message) => side.setStatus('error', message),
    },
    components.createDecoder(),
    playerPort,
    { preloadTimeoutMs: opts.preloadTimeoutMs, retry: opts.retry },
  );
}

/** The live stream's state in words for Now Playing, or null while it plays. */
export function liveTroubleText(state: LiveStreamState, detail: string | null): string | null {
  switch (state) {
    case 'playing':
      return null;
    case 'stalled':
      return 'no sound from the source (stalled)';
    case 'connecting':
      return detail ? `reconnecting: ${detail}` : 'connecting…';
    case 'ended':
      return `ended${detail ? `: ${detail}` : ''}`;
  }
}
