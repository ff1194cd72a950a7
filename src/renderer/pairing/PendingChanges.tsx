import { useEffect, useState } from 'react';
import type { PendingConfirmation } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';
import { servedWithToken } from '../bridge/auth';

/** A paired browser's room-passphrase or folder change, shown on the device itself to accept or refuse. */
export function PendingChanges() {
  const local = bridge().transport === 'ipc' || servedWithToken();
  const [pending, setPending] = useState<PendingConfirmation[]>([]);
  useEffect(() => {
    if (!local) return;
    void bridge()
      .settings.pending()
      .then(setPending, () => undefined);
    return bridge().on('settings:pending', setPending);
  }, [local]);
  if (pending.length === 0) return null;
  const answer = (id: string, accept: boolean) =>
    void bridge()
      .settings.confirm(id, accept)
      .catch(() => undefined);
  return (
    <div className="banner banner-warn" role="alert" data-testid="pending-changes">
      {pending.map((p) => (
        <p key={p.id}>
          {p.deviceName} asks to change {p.summary}.{' '}
          <button type="button" className="button" onClick={() => answer(p.id, true)}>
            Allow
          </button>{' '}
          <button type="button" className="button" onClick={() => answer(p.id, false)}>
            Refuse
          </button>
        </p>
      ))}
    </div>
  );
}
