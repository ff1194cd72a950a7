/**
 * The rows of the library's track list (`LibraryView.tsx` virtualizes the list and owns selection,
 * the context menu and the keyboard): the header, whose columns sort the list, and a track's row with
 * its number or now-playing mark, cover and title, where the track is held in the room, artist,
 * album, length, and the add-to-queue and more-actions buttons.
 */
import type { MouseEvent } from 'react';
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { SortKey } from '../library/query';
import { countOf, formatDuration } from '../ui/format';
import { Cover } from './Cover';
import { Icon, NowPlayingMark } from './Icons';

/** Every row's height (px): the list places rows by it. */
export const ROW_HEIGHT = 52;

const columns: Array<{ key: SortKey; label: string; className: string }> = [
  { key: 'index', label: '#', className: 'col-index' },
  { key: 'title', label: 'Title', className: 'col-title' },
  { key: 'artist', label: 'Artist', className: 'col-artist' },
  { key: 'album', label: 'Album', className: 'col-album' },
  { key: 'durationSec', label: 'Time', className: 'col-time' },
];

/** The column headers: each sorts by its column, again to reverse. */
export function TrackHeader({
  sort,
  descending,
  onSort,
}: {
  sort: SortKey;
  descending: boolean;
  onSort(key: SortKey): void;
}) {
  return (
    <div className="track-header" role="presentation">
      {columns.map((c) => (
        <button
          key={c.key}
          type="button"
          className={`col ${c.className}`}
          aria-sort={sort === c.key ? (descending ? 'descending' : 'ascending') : 'none'}
          aria-label={`Sort by ${c.key === 'index' ? 'library order' : c.label.toLowerCase()}`}
          onClick={() => onSort(c.key)}
        >
          {c.label}
          <span className="sort-mark" aria-hidden="true">
            {sort === c.key ? (descending ? '↓' : '↑') : ''}
          </span>
        </button>
      ))}
      <span className="col col-actions" />
    </div>
  );
}

/** A track row, `index` in the current order. */
export function TrackRow({
  track: t,
  index,
  active,
  current,
  holderList,
  onSelect,
  onPlay,
  onContextMenu,
  onEnqueue,
  onMore,
}: {
  track: RoomTrack;
  index: number;
  active: boolean;
  current: boolean;
  /** The names of the devices holding a track. */
  holderList: (track: RoomTrack) => string;
  onSelect(): void;
  onPlay(): void;
  onContextMenu(event: MouseEvent): void;
  onEnqueue(): void;
  /** The more-actions button was pressed; `box` is where it is. */
  onMore(box: DOMRect): void;
}) {
  return (
    <div
      key={t.trackId}
      id={`track-${t.trackId}`}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={active}
      aria-current={current ? 'true' : undefined}
      className={`track-row${active ? ' active' : ''}${current ? ' current' : ''}${t.local ? '' : ' remote'}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)`, height: ROW_HEIGHT }}
      onClick={onSelect}
      onDoubleClick={onPlay}
      onContextMenu={onContextMenu}
      data-row={index}
      data-track-index={t.index}
      data-testid="track-row"
    >
      <span role="gridcell" className="col col-index">
        {current ? <NowPlayingMark /> : (t.index + 1).toLocaleString('en-US')}
      </span>
      <span role="gridcell" className="col col-title">
        <Cover track={t} size={36} className="row-cover" />
        <span className="title-text" data-testid="track-title">
          {t.title}
        </span>
        {t.local && t.holders.length <= 1 ? null : (
          <span
            className="badge"
            data-testid="track-holders"
            title={t.holders.length > 0 ? `On ${holderList(t)}` : 'No device in the room has it now'}
            aria-label={
              t.holders.length > 0 ? `On ${countOf(t.holders.length, 'device')}: ${holderList(t)}` : 'offline'
            }
          >
            {t.holders.length > 0
              ? t.local
                ? `+${t.holders.length - 1}`
                : countOf(t.holders.length, 'device')
              : 'offline'}
          </span>
        )}
      </span>
      <span role="gridcell" className="col col-artist">
        {t.artist}
      </span>
      <span role="gridcell" className="col col-album">
        {t.album}
      </span>
      <span role="gridcell" className="col col-time">
        {formatDuration(t.durationSec)}
      </span>
      <span role="gridcell" className="col col-actions">
        <button
          type="button"
          className="icon-button row-action"
          tabIndex={-1}
          aria-label={`Add ${t.title} to the queue`}
          title="Add to queue (Q)"
          onClick={onEnqueue}
        >
          <Icon name="plus" size={18} />
        </button>
        <button
          type="button"
          className="icon-button row-action"
          tabIndex={-1}
          aria-label={`More actions for ${t.title}`}
          title="More (Shift+F10)"
          onClick={(e) => onMore(e.currentTarget.getBoundingClientRect())}
        >
          <Icon name="more" size={18} />
        </button>
      </span>
    </div>
  );
}
