import { useMemo, useState } from 'react';
import { albumsOf } from '../library/albums';
import { useActions, useCurrentTrack, useLibrary } from '../store';
import { countOf, formatDuration } from '../ui/format';
import { Cover } from './Cover';
import { Icon } from './Icons';

/** The room's albums; one album's tracks in album order, to play from the start or from any track. */
export function AlbumsView() {
  const { tracks, loaded } = useLibrary();
  const { trackId: currentId } = useCurrentTrack();
  const { playback, ui } = useActions();
  const albums = useMemo(() => albumsOf(tracks), [tracks]);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const album = albums.find((a) => a.key === selectedKey) ?? albums[0];

  const play = (from: number) => {
    if (!album) return;
    void playback
      .replace(
        album.tracks.map((t) => t.trackId),
        from,
      )
      .then(() => ui.announce(`Playing ${album.title}`));
  };

  return (
    <section className="view albums" aria-labelledby="albums-title">
      <header className="view-header">
        <div>
          <h1 id="albums-title" tabIndex={-1}>
            Albums
          </h1>
          <p className="view-sub" data-testid="albums-count">
            {loaded ? countOf(albums.length, 'album') : 'Loading…'}
          </p>
        </div>
      </header>
      {albums.length === 0 ? (
        <div className="empty">
          <Icon name="note" size={40} />
          <p>No albums yet: the room’s tracks show here by album once a device shares its music.</p>
        </div>
      ) : (
        <div className="albums-layout">
          <ul className="album-list" aria-label="Albums">
            {albums.map((a) => (
              <li key={a.key}>
                <button
                  type="button"
                  className={`album-item${a === album ? ' selected' : ''}`}
                  aria-current={a === album ? 'true' : undefined}
                  onClick={() => setSelectedKey(a.key)}
                  data-testid="album"
                >
                  <Cover track={a.tracks.find((t) => t.hasCover) ?? a.tracks[0]} size={44} />
                  <span className="album-text">
                    <span className="album-title" data-testid="album-title">
                      {a.title}
                    </span>
                    <span className="album-sub">
                      {[a.artist, countOf(a.tracks.length, 'track')].filter(Boolean).join(' · ')}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {album ? (
            <article className="album-detail" aria-labelledby="album-title" data-testid="album-detail">
              <header className="album-header">
                <Cover track={album.tracks.find((t) => t.hasCover) ?? album.tracks[0]} size={96} />
                <div>
                  <h2 id="album-title">{album.title}</h2>
                  <p className="view-sub">
                    {[album.artist, countOf(album.tracks.length, 'track'), formatDuration(album.durationSec)]
                      .filter(Boolean)
                      .join(' · ')}
                  </p>
                  <div className="album-actions">
                    <button
                      type="button"
                      className="button primary"
                      onClick={() => play(0)}
                      data-testid="play-album"
                    >
                      <Icon name="play" size={16} /> Play album
                    </button>
                    <button
                      type="button"
                      className="button"
                      onClick={() => void playback.enqueue(album.tracks.map((t) => t.trackId))}
                    >
                      <Icon name="plus" size={16} /> Add to queue
                    </button>
                  </div>
                </div>
              </header>
              <ol className="album-tracks">
                {album.tracks.map((t, i) => (
                  <li
                    key={t.trackId}
                    className={t.trackId === currentId ? 'current' : undefined}
                    data-testid="album-track"
                  >
                    <span className="album-track-no">{t.trackNo ?? '–'}</span>
                    <span className="album-track-title">{t.title}</span>
                    <span className="album-track-time">{formatDuration(t.durationSec)}</span>
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Play ${album.title} from ${t.title}`}
                      onClick={() => play(i)}
                    >
                      <Icon name="play" size={16} />
                    </button>
                  </li>
                ))}
              </ol>
            </article>
          ) : null}
        </div>
      )}
    </section>
  );
}
