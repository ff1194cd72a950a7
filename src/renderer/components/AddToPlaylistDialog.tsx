/** "Add to playlist": adds tracks (from the library or the queue) to one of the room's playlists, or to a new one. */
import { useState, type FormEvent } from 'react';
import { playlistLimits } from '../../shared/playlists/playlist';
import { useActions, usePlaylists } from '../store';
import { countOf } from '../ui/format';
import { Dialog } from './Dialog';
import { Icon } from './Icons';

export function AddToPlaylistDialog({
  trackIds,
  what,
  onClose,
}: {
  /** The tracks to add; null while the dialog is closed. */
  trackIds: string[] | null;
  /** What is being added, for the title and the announcement ("Blue in Green"). */
  what: string;
  onClose(): void;
}) {
  const { list, error } = usePlaylists();
  const { playlists, ui } = useActions();
  const [name, setName] = useState('');
  const adding = trackIds ?? [];
  const added = (playlistName: string) => {
    ui.announce(`Added ${what} to ${playlistName}.`);
    setName('');
    onClose();
  };
  const addTo = async (id: string) => {
    const p = list.find((x) => x.id === id);
    if (!p) return;
    const saved = await playlists.save({ id, name: p.name, trackIds: [...p.trackIds, ...adding] });
    if (saved) added(saved.name);
  };
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    const saved = await playlists.save({ name: trimmed, trackIds: adding });
    if (saved) added(saved.name);
  };
  return (
    <Dialog
      open={trackIds !== null}
      title={`Add ${what} to a playlist`}
      onClose={onClose}
      testId="add-to-playlist"
    >
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
      {list.length > 0 ? (
        <ul className="add-to-playlist-list" aria-label="Playlists">
          {list.map((p) => {
            const full = p.trackIds.length + adding.length > playlistLimits.maxTracks;
            return (
              <li key={p.id}>
                <button
                  type="button"
                  className="button"
                  disabled={full}
                  title={full ? `A playlist holds at most ${playlistLimits.maxTracks} tracks` : undefined}
                  onClick={() => void addTo(p.id)}
                  data-testid="add-to-playlist-choice"
                >
                  {p.name} <span className="muted">· {countOf(p.trackIds.length, 'track')}</span>
                </button>
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="muted">No playlists yet: name a new one.</p>
      )}
      <form className="playlist-new" onSubmit={(e) => void create(e)}>
        <input
          type="text"
          aria-label="New playlist name"
          placeholder="New playlist name"
          value={name}
          maxLength={playlistLimits.maxNameChars}
          onChange={(e) => setName(e.target.value)}
          data-testid="add-to-new-playlist-name"
        />
        <button type="submit" className="button primary" disabled={!name.trim()}>
          <Icon name="plus" size={16} /> New playlist
        </button>
      </form>
    </Dialog>
  );
}
