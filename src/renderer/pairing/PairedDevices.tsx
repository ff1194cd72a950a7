import { useCallback, useEffect, useState } from 'react';
import type { PairedDevice, PairingState } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toLocaleString();
}

/** Settings → Paired devices: the code that pairs a new browser, and the paired ones, each revocable. */
export function PairedDevices() {
  const [devices, setDevices] = useState<PairedDevice[]>([]);
  const [pairing, setPairing] = useState<PairingState | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    bridge()
      .pairing.list()
      .then(setDevices, (e: unknown) => setError(String(e)));
  }, []);

  useEffect(() => {
    reload();
    void bridge()
      .pairing.state()
      .then(setPairing, () => undefined);
    return bridge().on('pairing:changed', (state) => {
      setPairing(state);
      reload();
    });
  }, [reload]);

  return (
    <div className="field" data-testid="paired-devices">
      <div className="field-row">
        <button
          type="button"
          className="button"
          onClick={() =>
            void bridge()
              .pairing.start()
              .then(setPairing, (e: unknown) => setError(String(e)))
          }
        >
          Pair a phone or browser
        </button>
        {pairing?.code ? (
          <span className="pairing-code" data-testid="shown-pairing-code" aria-live="polite">
            Code <strong>{pairing.code}</strong>
            {pairing.requestedBy ? ` for ${pairing.requestedBy}` : ''}
            {pairing.expiresAtMs ? `, until ${new Date(pairing.expiresAtMs).toLocaleTimeString()}` : ''}
          </span>
        ) : null}
      </div>
      <p className="hint">
        Open this device’s address in the other browser (the peer must listen beyond this machine, e.g.{' '}
        <code>--ui-host 0.0.0.0</code>) and type the code there.
      </p>
      {error ? <p className="inline-error">{error}</p> : null}
      {devices.length === 0 ? (
        <p className="muted">No paired devices.</p>
      ) : (
        <ul className="paired-list">
          {devices.map((d) => (
            <li key={d.id}>
              <span>
                {d.name} <span className="muted">({d.address})</span>
                <span className="hint">
                  Paired {when(d.createdAtMs)} · last used {when(d.lastUsedAtMs)}
                </span>
              </span>
              <button
                type="button"
                className="button"
                onClick={() =>
                  void bridge()
                    .pairing.revoke(d.id)
                    .then(reload, (e: unknown) => setError(String(e)))
                }
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
