import { useState, type DragEvent } from 'react';
import { dropIndex } from '../queue/reorder';
import { useActions, usePlaybackState, useTrackMap } from '../store';
import { countOf, formatDuration } from '../ui/format';
import { Cover } from './Cover';
import { Icon, NowPlayingMark } from './Icons';
import { AddToPlaylistDialog } from './AddToPlaylistDialog';

const DRAG_TYPE = 'application/x-firefly-queue-index';

/** The room's queue: the current track marked; play, remove, and reorder by buttons or drag and drop. */
export function QueuePanel() {
  const state = usePlaybackState();
  const byId = useTrackMap();
  const { playback, ui } = useActions();
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<{ index: number; before: boolean } | null>(null);
  /** What "Add to playlist" adds: one track, or the whole queue. */
  const [toPlaylist, setToPlaylist] = useState<{ trackIds: string[]; what: string } | null>(null);
  const queue = state?.queue ?? [];
  const totalSec = queue.reduce((sum, id) => sum + (byId.get(id)?.durationSec ?? 0), 0);

  const nameOf = (trackId: string) => byId.get(trackId)?.title ?? 'track';
  const move = (from: number, to: number) => {
    void playback
      .move(from, to)
      .then(() => ui.announce(`Moved ${nameOf(queue[from] ?? '')} to position ${to + 1}.`));
  };

  const onDragOver = (event: DragEvent<HTMLLIElement>, index: number) => {
    if (dragFrom === null) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    const box = event.currentTarget.getBoundingClientRect();
    const before = event.clientY < box.top + box.height / 2;
    if (dropAt?.index !== index || dropAt.before !== before) setDropAt({ index, before });
  };
  const onDrop = (event: DragEvent<HTMLLIElement>, index: number) => {
    event.preventDefault();
    const from = Number(event.dataTransfer.getData(DRAG_TYPE) || dragFrom);
    const box = event.currentTarget.getBoundingClientRect();
    const to = dropIndex(from, index, event.clientY < box.top + box.height / 2);
    setDragFrom(null);
    setDropAt(null);
    if (to !== null && Number.isInteger(from)) move(from, to);
  };

  return (
    <section className="view queue" aria-labelledby="queue-title">
      <header className="view-header">
        <div>
          <h1 id="queue-title" tabIndex={-1}>
            Queue
          </h1>
          <p className="view-sub" data-testid="queue-count">
            {queue.length === 0 ? 'Empty' : `${countOf(queue.length, 'track')} · ${formatDuration(totalSec)}`}
          </p>
        </div>
        <div className="view-actions">
          <button
            type="button"
            className="button"
            onClick={() => setToPlaylist({ trackIds: queue, what: 'the queue' })}
            disabled={queue.length === 0}
          >
            Add queue to playlist
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void playback.clear()}
            disabled={queue.length === 0}
          >
            Clear queue
          </button>
        </div>
      </header>
      {queue.length === 0 ? (
        <div className="empty">
          <Icon name="queue" size={40} />
          <p>The queue is empty. Press Q on a track in the library, use its + button, or play one.</p>
        </div>
      ) : (
        <ol className="queue-list" data-testid="queue" aria-describedby="queue-help">
          {queue.map((trackId, index) => {
            const track = byId.get(trackId);
            const current = index === state?.currentIndex;
            const title = track?.title ?? `Track ${trackId.slice(0, 10)}…`;
            const marker =
              dropAt?.index === index && dragFrom !== null
                ? dropAt.before
                  ? ' drop-before'
                  : ' drop-after'
                : '';
            return (
              <li
                key={`${trackId}-${index}`}
                className={`queue-item${current ? ' current' : ''}${dragFrom === index ? ' dragging' : ''}${marker}`}
                aria-current={current ? 'true' : undefined}
                data-testid="queue-item"
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_TYPE, String(index));
                  e.dataTransfer.effectAllowed = 'move';
                  setDragFrom(index);
                }}
                onDragEnd={() => {
                  setDragFrom(null);
                  setDropAt(null);
                }}
                onDragOver={(e) => onDragOver(e, index)}
                onDrop={(e) => onDrop(e, index)}
              >
                <span className="grip" aria-hidden="true" title="Drag to reorder">
                  <Icon name="grip" size={18} />
                </span>
                <span className="queue-pos">{current ? <NowPlayingMark /> : index + 1}</span>
                <Cover track={track} size={40} />
                <button
                  type="button"
                  className="queue-title"
                  onClick={() => void playback.play({ trackId })}
                  aria-label={`Play ${title}`}
                >
                  <span className="queue-name" data-testid="queue-title">
                    {title}
                  </span>
                  <span className="queue-artist">
                    {track
                      ? [track.artist, track.album].filter(Boolean).join(' · ')
                      : 'Not in the listing yet'}
                  </span>
                </button>
                <span className="queue-time">{track ? formatDuration(track.durationSec) : ''}</span>
                <span className="queue-actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Add ${title} to a playlist`}
                    onClick={() => setToPlaylist({ trackIds: [trackId], what: title })}
                  >
                    <Icon name="plus" size={18} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Move ${title} up`}
                    disabled={index === 0}
                    onClick={() => move(index, index - 1)}
                  >
                    <Icon name="up" size={18} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Move ${title} down`}
                    disabled={index === queue.length - 1}
                    onClick={() => move(index, index + 1)}
                  >
                    <Icon name="down" size={18} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove ${title} from the queue`}
                    onClick={() =>
                      void playback.remove(index).then(() => ui.announce(`Removed ${title} from the queue.`))
                    }
                  >
                    <Icon name="remove" size={18} />
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      )}
      <AddToPlaylistDialog
        trackIds={toPlaylist?.trackIds ?? null}
        what={toPlaylist?.what ?? ''}
        onClose={() => setToPlaylist(null)}
      />
      <p id="queue-help" className="visually-hidden">
        Use the move up and move down buttons to reorder, or drag a track with the mouse.
      </p>
    </section>
  );
}
