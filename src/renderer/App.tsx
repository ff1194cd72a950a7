import { useEffect, useRef } from 'react';
import { AlbumsView } from './components/AlbumsView';
import { EnableSound } from './components/EnableSound';
import { LibraryView } from './components/LibraryView';
import { NowPlaying } from './components/NowPlaying';
import { PeersPanel } from './components/PeersPanel';
import { PlaylistsView } from './components/PlaylistsView';
import { QueuePanel } from './components/QueuePanel';
import { SettingsView } from './components/SettingsView';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { StorageBanner } from './components/StorageBanner';
import { Sidebar } from './components/Sidebar';
import { useMediaSession } from './hooks/use-media-session';
import { PendingChanges } from './pairing/PendingChanges';
import { useShortcuts } from './hooks/use-shortcuts';
import { useTheme } from './hooks/use-theme';
import { useActions, useBridgeError, useCurrentTrack, usePlaybackError, useUi, useView } from './store';

const titles = {
  library: 'Library',
  albums: 'Albums',
  playlists: 'Playlists',
  queue: 'Queue',
  room: 'Room',
  settings: 'Settings',
} as const;

/** The main window: navigation, the current screen, the player bar, and the dialogs. */
export function App() {
  const error = useBridgeError();
  const playbackError = usePlaybackError();
  const view = useView();
  const { announcement } = useUi();
  const { track } = useCurrentTrack();
  const { ui } = useActions();
  const main = useRef<HTMLElement>(null);
  useTheme();
  useShortcuts();
  useMediaSession();

  // Say what plays now, in the window title and to screen readers.
  const title = track?.title;
  const artist = track?.artist;
  useEffect(() => {
    document.title = title ? `${title}${artist ? ` — ${artist}` : ''} · Firefly` : 'Firefly';
    if (title) ui.announce(`Now playing ${title}${artist ? ` by ${artist}` : ''}.`);
  }, [title, artist, ui]);

  const first = useRef(true);
  useEffect(() => {
    // Moving focus to the new screen's heading tells keyboard and screen reader users where they are.
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [view]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar />
      <main id="main" ref={main} className="main" aria-label={titles[view]}>
        {error ? (
          <p role="alert" className="banner banner-error">
            Cannot reach this device’s Firefly peer: {error}
          </p>
        ) : null}
        {playbackError ? (
          <p role="alert" className="banner banner-warn" data-testid="playback-error">
            {playbackError}
          </p>
        ) : null}
        <StorageBanner />
        <EnableSound />
        <PendingChanges />
        {view === 'library' ? <LibraryView /> : null}
        {view === 'albums' ? <AlbumsView /> : null}
        {view === 'playlists' ? <PlaylistsView /> : null}
        {view === 'queue' ? <QueuePanel /> : null}
        {view === 'room' ? <PeersPanel /> : null}
        {view === 'settings' ? <SettingsView /> : null}
      </main>
      <NowPlaying />
      <ShortcutsDialog />
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
        {/* A zero-width space on every other message makes a repeated sentence a change, so it is read again. */}
        {announcement.seq % 2 ? `${announcement.text}\u200b` : announcement.text}
      </div>
    </div>
  );
}
