import { useMemo } from 'react';
import type { RoomTrack } from '../../shared/bridge/contract';
import { useActions, useLibrary, usePlaybackState } from '../store';

/** The room's queue: the current track marked; remove and reorder. */
export function QueuePanel() {
  const state = usePlaybackState();
  const { tracks } = useLibrary();
  const { playback } = useActions();
  const byId = useMemo(() => new Map<string, RoomTrack>(tracks.map((t) => [t.trackId, t])), [tracks]);
  const queue = state?.queue ?? [];
  return (
    <section className="panel queue" aria-labelledby="queue-title">
      <div className="panel-title-row">
        <h2 id="queue-title">Queue</h2>
        <button type="button" onClick={() => void playback.clear()} disabled={queue.length === 0}>
          Clear
        </button>
      </div>
      {queue.length === 0 ? (
        <p className="muted">The queue is empty. Press Q on a track, or play one.</p>
      ) : (
        <ol className="queue-list" data-testid="queue">
          {queue.map((trackId, index) => {
            const track = byId.get(trackId);
            const current = index === state?.currentIndex;
            return (
              <li key={`${trackId}-${index}`} className={current ? 'current' : ''} aria-current={current ? 'true' : undefined}>
                <button type="button" className="queue-title" onClick={() => void playback.play({ trackId })} title="Play">
                  {track ? `${track.title}${track.artist ? ` — ${track.artist}` : ''}` : trackId.slice(0, 12)}
                </button>
                <span className="queue-actions">
                  <button type="button" aria-label={`Move ${track?.title ?? 'track'} up`} disabled={index === 0} onClick={() => void playback.move(index, index - 1)}>
                    ↑
                  </button>
                  <button
                    type="button"
                    aria-label={`Move ${track?.title ?? 'track'} down`}
                    disabled={index === queue.length - 1}
                    onClick={() => void playback.move(index, index + 1)}
                  >
                    ↓
                  </button>
                  <button type="button" aria-label={`Remove ${track?.title ?? 'track'} from the queue`} onClick={() => void playback.remove(index)}>
                    ✕
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
