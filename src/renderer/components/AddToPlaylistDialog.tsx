/** "Add to playlist": adds tracks (from the library or the queue) to one of the room's playlists, or to a new one. */
import { playlistLimits } from '../../shared/playlists/playlist';
import { useActions, usePlaylists } from '../store';
import { countOf } from '../ui/format';
import { Dialog } from './Dialog';
import { NewPlaylistForm } from './NewPlaylistForm';

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
  const adding = trackIds ?? [];
  const added = (playlistName: string) => {
    ui.announce(`Added ${what} to ${playlistName}.`);
    onClose();
  };
  const addTo = async (id: string) => {
    const p = list.find((x) => x.id === id);
    if (!p) return;
    const saved = await playlists.save({ id, name: p.name, trackIds: [...p.trackIds, ...adding] });
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
      <NewPlaylistForm
        trackIds={adding}
        buttonText="New playlist"
        onCreated={(saved) => added(saved.name)}
        testId="add-to-new-playlist-name"
      />
    </Dialog>
  );
}
