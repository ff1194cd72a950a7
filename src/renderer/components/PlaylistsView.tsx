import { useState } from 'react';
import type { Playlist } from '../../shared/playlists/playlist';
import { moved } from '../queue/reorder';
import { useActions, usePlaybackState, usePlaylists, useTrackMap } from '../store';
import { countOf } from '../ui/format';
import { Icon } from './Icons';
import { ExportPlaylistButton, ImportPlaylistButton } from './PlaylistFiles';
import { NewPlaylistForm } from './NewPlaylistForm';

/**
 * The room's playlists: make one from the queue, rename, reorder, remove tracks, delete, play.
 * Every change is the whole playlist saved again, so the room sees one consistent version.
 */
export function PlaylistsView() {
  const { list, error } = usePlaylists();
  const state = usePlaybackState();
  const byId = useTrackMap();
  const { ui } = useActions();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = list.find((p) => p.id === selectedId) ?? list[0];
  const queue = state?.queue ?? [];

  return (
    <section className="view playlists" aria-labelledby="playlists-title">
      <header className="view-header">
        <div>
          <h1 id="playlists-title" tabIndex={-1}>
            Playlists
          </h1>
          <p className="view-sub" data-testid="playlists-count">
            {countOf(list.length, 'playlist')} · shared with the room
          </p>
        </div>
        <NewPlaylistForm
          trackIds={queue}
          buttonText="Save queue as playlist"
          onCreated={(saved) => {
            setSelectedId(saved.id);
            ui.announce(`Saved the queue as ${saved.name}`);
          }}
        />
        <ImportPlaylistButton onImported={(p) => setSelectedId(p.id)} />
      </header>
      {error ? (
        <p className="inline-error" role="alert" data-testid="playlists-error">
          {error}
        </p>
      ) : null}
      {list.length === 0 ? (
        <div className="empty">
          <Icon name="queue" size={40} />
          <p>
            No playlists yet. Fill the queue, name it above and save it: every device in the room sees it.
          </p>
        </div>
      ) : (
        <div className="albums-layout">
          <ul className="album-list" aria-label="Playlists">
            {list.map((p) => (
              <li key={p.id}>
                <button
                  type="button"
                  className={`album-item${p === selected ? ' selected' : ''}`}
                  aria-current={p === selected ? 'true' : undefined}
                  onClick={() => setSelectedId(p.id)}
                  data-testid="playlist"
                >
                  <span className="album-text">
                    <span className="album-title" data-testid="playlist-name">
                      {p.name}
                    </span>
                    <span className="album-sub">{countOf(p.trackIds.length, 'track')}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {selected ? (
            <PlaylistDetail
              // A rename from another device resets the name field.
              key={`${selected.id}:${selected.name}`}
              playlist={selected}
              titleOf={(id) => byId.get(id)?.title ?? id}
            />
          ) : null}
        </div>
      )}
    </section>
  );
}

function PlaylistDetail({ playlist, titleOf }: { playlist: Playlist; titleOf: (id: string) => string }) {
  const { playlists } = useActions();
  const [name, setName] = useState(playlist.name);
  const save = (change: Partial<Pick<Playlist, 'name' | 'trackIds'>>) =>
    void playlists.save({
      id: playlist.id,
      name: change.name ?? playlist.name,
      trackIds: change.trackIds ?? playlist.trackIds,
    });
  const n = playlist.trackIds.length;
  return (
    <article className="album-detail" aria-labelledby="playlist-title" data-testid="playlist-detail">
      <header className="album-header">
        <div>
          <h2 id="playlist-title">{playlist.name}</h2>
          <p className="view-sub">{countOf(n, 'track')}</p>
          <div className="album-actions">
            <button
              type="button"
              className="button primary"
              disabled={n === 0}
              onClick={() => void playlists.play(playlist.id)}
              data-testid="play-playlist"
            >
              <Icon name="play" size={16} /> Play
            </button>
            <form
              className="playlist-rename"
              onSubmit={(e) => {
                e.preventDefault();
                if (name.trim() && name.trim() !== playlist.name) save({ name: name.trim() });
              }}
            >
              <input
                type="text"
                aria-label="Playlist name"
                value={name}
                maxLength={100}
                onChange={(e) => setName(e.target.value)}
              />
              <button type="submit" className="button">
                Rename
              </button>
            </form>
            <button type="button" className="button" onClick={() => void playlists.remove(playlist.id)}>
              <Icon name="remove" size={16} /> Delete
            </button>
            <ExportPlaylistButton playlist={playlist} />
          </div>
        </div>
      </header>
      <ol className="album-tracks">
        {playlist.trackIds.map((id, i) => {
          const title = titleOf(id);
          return (
            <li key={`${id}-${i}`} data-testid="playlist-track">
              <span className="album-track-no">{i + 1}</span>
              <span className="album-track-title" data-testid="playlist-track-title">
                {title}
              </span>
              <span className="playlist-track-actions">
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Move ${title} up`}
                  disabled={i === 0}
                  onClick={() => save({ trackIds: moved(playlist.trackIds, i, i - 1) })}
                >
                  <Icon name="up" size={16} />
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Move ${title} down`}
                  disabled={i === n - 1}
                  onClick={() => save({ trackIds: moved(playlist.trackIds, i, i + 1) })}
                >
                  <Icon name="down" size={16} />
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove ${title} from the playlist`}
                  onClick={() => save({ trackIds: playlist.trackIds.filter((_, j) => j !== i) })}
                >
                  <Icon name="remove" size={16} />
                </button>
              </span>
              <button
                type="button"
                className="icon-button"
                aria-label={`Play ${playlist.name} from ${title}`}
                onClick={() => void playlists.play(playlist.id, i)}
              >
                <Icon name="play" size={16} />
              </button>
            </li>
          );
        })}
      </ol>
    </article>
  );
}
