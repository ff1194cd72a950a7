import {
  useCallback,
  useDeferredValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
} from 'react';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { queryTracks, visibleRange, type Availability, type SortKey } from '../library/query';
import { useActions, useCurrentTrack, useLibrary, usePeerStatus, useUi } from '../store';
import { countOf } from '../ui/format';
import { ContextMenu, type MenuItem } from './ContextMenu';
import { AddToPlaylistDialog } from './AddToPlaylistDialog';
import { Icon } from './Icons';
import { ScanProgress } from './ScanProgress';
import { ROW_HEIGHT, TrackHeader, TrackRow } from './TrackRows';

/** The viewport's height, kept current as the window resizes. */
function useHeight(ref: RefObject<HTMLElement | null>): number {
  const [height, setHeight] = useState(600);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight || 600);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return height;
}

/** The room's library: search, sort, filter, and a virtualized list that stays smooth with 50,000 tracks. */
export function LibraryView() {
  const { tracks, query, loaded, fixture } = useLibrary();
  const { library, playback, ui } = useActions();
  const { searchFocusRequest } = useUi();
  const { trackId: currentId } = useCurrentTrack();
  const status = usePeerStatus();
  // Names of the devices that hold each track, for the "where is it" badge.
  const deviceNames = useMemo(() => {
    const names = new Map<string, string>();
    if (status) names.set(status.self.peerId, `${status.self.name} (this device)`);
    for (const m of status?.members ?? []) names.set(m.peerId, m.name);
    return names;
  }, [status]);
  const holderList = (t: RoomTrack) => t.holders.map((id) => deviceNames.get(id) ?? id.slice(-6)).join(', ');
  const deferredQuery = useDeferredValue(query);
  const rows = useMemo(() => queryTracks(tracks, deferredQuery), [tracks, deferredQuery]);
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(0);
  const [menu, setMenu] = useState<{ x: number; y: number; track: RoomTrack } | null>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const height = useHeight(viewport);
  const closeMenu = useCallback(() => setMenu(null), []);
  const [toPlaylist, setToPlaylist] = useState<RoomTrack | null>(null);
  const { start, end } = visibleRange(scrollTop, height, ROW_HEIGHT, rows.length);
  const activeIndex = Math.min(active, Math.max(0, rows.length - 1));
  const activeTrack = rows[activeIndex];
  const scan = status?.library?.scan;

  useEffect(() => {
    if (searchFocusRequest > 0) search.current?.focus();
  }, [searchFocusRequest]);

  const focusRow = useCallback(
    (index: number) => {
      const clamped = Math.max(0, Math.min(rows.length - 1, index));
      setActive(clamped);
      const el = viewport.current;
      if (!el) return;
      const top = clamped * ROW_HEIGHT;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
        el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
    },
    [rows.length],
  );

  const play = (track: RoomTrack) => void playback.play({ trackId: track.trackId });
  const enqueue = (track: RoomTrack) => {
    void playback.enqueue([track.trackId]).then(() => ui.announce(`Added ${track.title} to the queue.`));
  };
  const menuItems = (track: RoomTrack): MenuItem[] => [
    { label: 'Play', onSelect: () => play(track) },
    { label: 'Add to queue', onSelect: () => enqueue(track) },
    { label: 'Add to playlist…', onSelect: () => setToPlaylist(track) },
    {
      label: 'Search this artist',
      onSelect: () => library.setQuery({ text: track.artist }),
      disabled: !track.artist,
    },
    {
      label: 'Search this album',
      onSelect: () => library.setQuery({ text: track.album }),
      disabled: !track.album,
    },
  ];

  const openMenuAtRow = (index: number) => {
    const track = rows[index];
    const row = viewport.current?.querySelector<HTMLElement>(`[data-row="${index}"]`);
    if (!track) return;
    const box = row?.getBoundingClientRect();
    setMenu({ x: (box?.left ?? 100) + 80, y: (box?.bottom ?? 100) - 8, track });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const pageRows = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: pageRows,
      PageUp: -pageRows,
    };
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key in moves) focusRow(activeIndex + (moves[event.key] ?? 0));
    else if (event.key === 'Home') focusRow(0);
    else if (event.key === 'End') focusRow(rows.length - 1);
    else if (event.key === 'Enter' && activeTrack) play(activeTrack);
    else if (event.key.toLowerCase() === 'q' && activeTrack) enqueue(activeTrack);
    else if ((event.key === 'F10' && event.shiftKey) || event.key === 'ContextMenu')
      openMenuAtRow(activeIndex);
    else return;
    event.preventDefault();
    event.stopPropagation();
  };

  const sortBy = (key: SortKey) =>
    library.setQuery(
      query.sort === key ? { descending: !query.descending } : { sort: key, descending: false },
    );

  const onContextMenu = (event: MouseEvent, index: number, track: RoomTrack) => {
    event.preventDefault();
    setActive(index);
    setMenu({ x: event.clientX, y: event.clientY, track });
  };

  return (
    <section className="view library" aria-labelledby="library-title">
      <header className="view-header">
        <div>
          <h1 id="library-title" tabIndex={-1}>
            Library
          </h1>
          <p className="view-sub" data-testid="library-count" aria-live="polite">
            {loaded
              ? rows.length === tracks.length
                ? countOf(tracks.length, 'track')
                : `${rows.length.toLocaleString('en-US')} of ${countOf(tracks.length, 'track')}`
              : 'Loading…'}
            {fixture ? ' · generated test library' : ''}
          </p>
        </div>
        <div className="library-tools">
          <label className="search">
            <Icon name="search" size={18} />
            <input
              ref={search}
              type="search"
              placeholder="Search title, artist, album"
              aria-label="Search the library"
              aria-keyshortcuts="/"
              value={query.text}
              data-testid="library-search"
              onChange={(e) => library.setQuery({ text: e.target.value })}
              onKeyDown={(e) => {
                if (e.key === 'ArrowDown' || e.key === 'Enter') {
                  e.preventDefault();
                  viewport.current?.focus();
                  if (e.key === 'Enter' && rows[0]) focusRow(0);
                } else if (e.key === 'Escape' && query.text) {
                  e.preventDefault();
                  library.setQuery({ text: '' });
                }
              }}
            />
          </label>
          <div className="segmented" role="radiogroup" aria-label="Show tracks">
            {(
              [
                ['all', 'All'],
                ['local', 'On this device'],
                ['remote', 'Elsewhere'],
              ] as Array<[Availability, string]>
            ).map(([value, label]) => (
              <button
                key={value}
                type="button"
                role="radio"
                aria-checked={query.availability === value}
                onClick={() => library.setQuery({ availability: value })}
              >
                {label}
              </button>
            ))}
          </div>
        </div>
      </header>

      <ScanProgress scan={scan} variant="banner" />

      <div className="track-table">
        <TrackHeader sort={query.sort} descending={query.descending} onSort={sortBy} />
        <div
          ref={viewport}
          className="track-viewport"
          role="grid"
          aria-label="Tracks"
          aria-rowcount={rows.length}
          aria-activedescendant={activeTrack ? `track-${activeTrack.trackId}` : undefined}
          tabIndex={0}
          onKeyDown={onKeyDown}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          data-testid="track-list"
        >
          {loaded && rows.length === 0 ? (
            <div className="empty" role="row">
              <div role="gridcell">
                {tracks.length === 0 ? (
                  <>
                    <Icon name="note" size={40} />
                    <p>
                      No music yet. Add a folder in Settings, or wait for the other devices in the room to
                      share theirs.
                    </p>
                    <button type="button" className="button" onClick={() => ui.setView('settings')}>
                      Open settings
                    </button>
                  </>
                ) : (
                  <p>No tracks match “{query.text}”.</p>
                )}
              </div>
            </div>
          ) : null}
          <div className="track-canvas" style={{ height: rows.length * ROW_HEIGHT }}>
            {rows.slice(start, end).map((t, i) => {
              const index = start + i;
              const isActive = index === activeIndex;
              const isCurrent = t.trackId === currentId;
              return (
                <TrackRow
                  key={t.trackId}
                  track={t}
                  index={index}
                  active={isActive}
                  current={isCurrent}
                  holderList={holderList}
                  onSelect={() => setActive(index)}
                  onPlay={() => play(t)}
                  onContextMenu={(e) => onContextMenu(e, index, t)}
                  onEnqueue={() => enqueue(t)}
                  onMore={(box) => {
                    setActive(index);
                    setMenu({ x: box.left - 160, y: box.bottom, track: t });
                  }}
                />
              );
            })}
          </div>
        </div>
      </div>
      {menu ? (
        <ContextMenu
          x={menu.x}
          y={menu.y}
          label={`Actions for ${menu.track.title}`}
          items={menuItems(menu.track)}
          onClose={closeMenu}
          returnFocus={viewport.current}
        />
      ) : null}
      <AddToPlaylistDialog
        trackIds={toPlaylist ? [toPlaylist.trackId] : null}
        what={toPlaylist?.title ?? ''}
        onClose={() => setToPlaylist(null)}
      />
    </section>
  );
}
