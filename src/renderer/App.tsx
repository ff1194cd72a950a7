import { LibraryView } from './components/LibraryView';
import { NowPlaying } from './components/NowPlaying';
import { PeersPanel } from './components/PeersPanel';
import { QueuePanel } from './components/QueuePanel';
import { useActions, useBridgeError, useIdentity, usePlaybackError } from './store';

/** The main window. */
export function App() {
  const identity = useIdentity();
  const error = useBridgeError();
  const playbackError = usePlaybackError();
  const { playback } = useActions();
  return (
    <div className="app">
      <header className="app-header">
        <h1 className="brand">Firefly</h1>
        <div className="identity" aria-label="This device">
          <span data-testid="peer-name" className="identity-name">
            {identity?.name ?? 'Connecting…'}
          </span>
          <code data-testid="peer-id" className="identity-id" title={identity?.peerId}>
            {identity?.peerId ?? ''}
          </code>
        </div>
      </header>
      {error ? (
        <p role="alert" className="error">
          Cannot reach this device's Firefly peer: {error}
        </p>
      ) : null}
      {playbackError ? (
        <p role="alert" className="error" data-testid="playback-error">
          {playbackError}
        </p>
      ) : null}
      <NowPlaying />
      <main className="layout">
        <LibraryView
          onPlay={(track) => void playback.play({ trackId: track.trackId })}
          onEnqueue={(track) => void playback.enqueue([track.trackId])}
        />
        <div className="side">
          <QueuePanel />
          <PeersPanel />
        </div>
      </main>
    </div>
  );
}
