/** Media keys and the system's media controls, through the Media Session API. */
import { useEffect } from 'react';
import { mediaUrl } from '../bridge';
import { currentPositionSec } from '../playback/position';
import { useCurrentTrack, usePlaybackState, useStore } from '../store';

/** Keeps navigator.mediaSession's metadata, state and action handlers in step with the room's playback. */
export function useMediaSession(): void {
  const state = usePlaybackState();
  const { trackId, track } = useCurrentTrack();
  const session =
    typeof navigator !== 'undefined' && 'mediaSession' in navigator ? navigator.mediaSession : null;

  useEffect(() => {
    if (!session) return;
    const actions = () => useStore.getState().playback.actions;
    const handlers: Array<[MediaSessionAction, MediaSessionActionHandler]> = [
      [
        'play',
        () =>
          void (useStore.getState().playback.state?.currentIndex === null ? undefined : actions().resume()),
      ],
      ['pause', () => void actions().pause()],
      ['stop', () => void actions().stop()],
      ['nexttrack', () => void actions().next()],
      ['previoustrack', () => void actions().prev()],
      [
        'seekto',
        (details) => details.seekTime !== undefined && void actions().seek(Math.max(0, details.seekTime)),
      ],
    ];
    for (const [action, handler] of handlers) {
      try {
        session.setActionHandler(action, handler);
      } catch {
        // This browser does not support the action; the others still work.
      }
    }
    return () => {
      for (const [action] of handlers) {
        try {
          session.setActionHandler(action, null);
        } catch {
          // As above.
        }
      }
    };
  }, [session]);

  useEffect(() => {
    if (!session) return;
    if (!track) {
      session.metadata = null;
      return;
    }
    const artwork = track.hasCover
      ? [{ src: new URL(mediaUrl('cover', track.trackId), location.href).href, sizes: '512x512' }]
      : [];
    session.metadata = new MediaMetadata({
      title: track.title,
      artist: track.artist,
      album: track.album,
      artwork,
    });
  }, [session, track]);

  useEffect(() => {
    if (!session) return;
    session.playbackState = !trackId ? 'none' : state?.paused ? 'paused' : 'playing';
    const duration = track?.durationSec ?? 0;
    if (trackId && duration > 0 && 'setPositionState' in session) {
      try {
        session.setPositionState({
          duration,
          position: Math.min(duration, currentPositionSec(state)),
          playbackRate: 1,
        });
      } catch {
        // A position past the end (a stale state) is rejected: nothing to show.
      }
    }
  }, [session, state, trackId, track]);
}
