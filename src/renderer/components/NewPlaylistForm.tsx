/** A name field and a button that make a new playlist (of the queue, or of tracks being added). */
import { useState } from 'react';
import { playlistLimits, type Playlist } from '../../shared/playlists/playlist';
import { useActions } from '../store';
import { Icon } from './Icons';

export function NewPlaylistForm({
  trackIds,
  buttonText,
  onCreated,
  testId,
}: {
  trackIds: readonly string[];
  buttonText: string;
  onCreated(playlist: Playlist): void;
  testId?: string;
}) {
  const { playlists } = useActions();
  const [name, setName] = useState('');
  return (
    <form
      className="playlist-new"
      onSubmit={(e) => {
        e.preventDefault();
        const trimmed = name.trim();
        if (!trimmed) return;
        void playlists.save({ name: trimmed, trackIds: [...trackIds] }).then((saved) => {
          if (!saved) return;
          setName('');
          onCreated(saved);
        });
      }}
    >
      <input
        type="text"
        aria-label="New playlist name"
        placeholder="New playlist name"
        value={name}
        maxLength={playlistLimits.maxNameChars}
        onChange={(e) => setName(e.target.value)}
        data-testid={testId}
      />
      <button type="submit" className="button primary" disabled={!name.trim()}>
        <Icon name="plus" size={16} /> {buttonText}
      </button>
    </form>
  );
}
