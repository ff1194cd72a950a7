import { useCallback, useDeferredValue, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { RoomTrack } from '../../shared/bridge/contract';
import { queryTracks, visibleRange, type SortKey } from '../library/query';
import { useActions, useLibrary } from '../store';

const ROW_HEIGHT = 36;
const VIEWPORT_HEIGHT = 420;

const columns: Array<{ key: SortKey; label: string }> = [
  { key: 'title', label: 'Title' },
  { key: 'artist', label: 'Artist' },
  { key: 'album', label: 'Album' },
  { key: 'durationSec', label: 'Time' },
];

function formatTime(sec: number): string {
  const s = Math.round(sec);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export interface LibraryViewProps {
  onPlay(track: RoomTrack): void;
  onEnqueue?(track: RoomTrack): void;
}

/** The room's library: search, sort, filter, and a virtualized list that stays smooth with 50,000 tracks. */
export function LibraryView({ onPlay, onEnqueue }: LibraryViewProps) {
  const { tracks, query, loaded } = useLibrary();
  const { library } = useActions();
  const deferredQuery = useDeferredValue(query);
  const rows = useMemo(() => queryTracks(tracks, deferredQuery), [tracks, deferredQuery]);
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(0);
  const viewport = useRef<HTMLDivElement>(null);
  const { start, end } = visibleRange(scrollTop, VIEWPORT_HEIGHT, ROW_HEIGHT, rows.length);

  const focusRow = useCallback(
    (index: number) => {
      const clamped = Math.max(0, Math.min(rows.length - 1, index));
      setActive(clamped);
      const el = viewport.current;
      if (!el) return;
      const top = clamped * ROW_HEIGHT;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_HEIGHT > el.scrollTop + VIEWPORT_HEIGHT) el.scrollTop = top + ROW_HEIGHT - VIEWPORT_HEIGHT;
    },
    [rows.length],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const pageRows = Math.floor(VIEWPORT_HEIGHT / ROW_HEIGHT);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows };
    if (event.key in moves) focusRow(active + (moves[event.key] ?? 0));
    else if (event.key === 'Home') focusRow(0);
    else if (event.key === 'End') focusRow(rows.length - 1);
    else if (event.key === 'Enter' && rows[active]) onPlay(rows[active]);
    else if (event.key.toLowerCase() === 'q' && rows[active] && onEnqueue) onEnqueue(rows[active]);
    else return;
    event.preventDefault();
  };

  const sortBy = (key: SortKey) =>
    library.setQuery(query.sort === key ? { descending: !query.descending } : { sort: key, descending: false });

  return (
    <section className="panel library" aria-labelledby="library-title">
      <div className="library-toolbar">
        <h2 id="library-title">Library</h2>
        <input
          type="search"
          className="search"
          placeholder="Search title, artist, album"
          aria-label="Search the library"
          value={query.text}
          onChange={(e) => library.setQuery({ text: e.target.value })}
        />
        <label>
          <span className="visually-hidden">Show</span>
          <select
            aria-label="Show tracks"
            value={query.availability}
            onChange={(e) => library.setQuery({ availability: e.target.value as 'all' | 'local' | 'remote' })}
          >
            <option value="all">All tracks</option>
            <option value="local">On this device</option>
            <option value="remote">On other devices</option>
          </select>
        </label>
        <span className="muted" data-testid="library-count" aria-live="polite">
          {loaded ? `${rows.length} of ${tracks.length} tracks` : 'Loading…'}
        </span>
      </div>
      <div className="track-header" role="row">
        {columns.map((c) => (
          <button
            key={c.key}
            type="button"
            className={`col col-${c.key}`}
            aria-sort={query.sort === c.key ? (query.descending ? 'descending' : 'ascending') : 'none'}
            onClick={() => sortBy(c.key)}
          >
            {c.label}
            {query.sort === c.key ? (query.descending ? ' ▾' : ' ▴') : ''}
          </button>
        ))}
      </div>
      <div
        ref={viewport}
        className="track-viewport"
        style={{ height: VIEWPORT_HEIGHT }}
        role="grid"
        aria-label="Tracks"
        aria-rowcount={rows.length}
        aria-activedescendant={rows[active] ? `track-${rows[active].trackId}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid="track-list"
      >
        <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
          {rows.slice(start, end).map((t, i) => {
            const index = start + i;
            return (
              <div
                key={t.trackId}
                id={`track-${t.trackId}`}
                role="row"
                aria-rowindex={index + 1}
                aria-selected={index === active}
                className={`track-row${index === active ? ' active' : ''}${t.local ? '' : ' remote'}`}
                style={{ position: 'absolute', top: index * ROW_HEIGHT, height: ROW_HEIGHT, left: 0, right: 0 }}
                onClick={() => setActive(index)}
                onDoubleClick={() => onPlay(t)}
                data-track-index={t.index}
              >
                <span role="gridcell" className="col col-title">
                  {t.title}
                </span>
                <span role="gridcell" className="col col-artist">
                  {t.artist}
                </span>
                <span role="gridcell" className="col col-album">
                  {t.album}
                </span>
                <span role="gridcell" className="col col-durationSec">
                  {formatTime(t.durationSec)}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
