import { useBridgeError, useIdentity } from './store';
import { PeersPanel } from './components/PeersPanel';

/** The main window. */
export function App() {
  const identity = useIdentity();
  const error = useBridgeError();
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
      <main>
        <PeersPanel />
      </main>
    </div>
  );
}
