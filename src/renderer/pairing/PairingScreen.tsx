import { useEffect, useId, useState, type FormEvent } from 'react';
import { saveToken } from '../bridge/auth';

/** A name for this browser in the device's list of paired devices. */
function browserName(): string {
  const ua = navigator.userAgent;
  const platform = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS/.test(ua)
        ? 'Mac'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'a device';
  return `Browser on ${platform}`;
}

async function post(
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; retryAfterSec: number | null }> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  const retryAfter = Number(response.headers.get('retry-after'));
  return {
    status: response.status,
    json,
    retryAfterSec: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  };
}

/**
 * What a browser on another device sees until it is paired: it asks the device for a code (the
 * device shows it on its screen, tray, console or log) and trades the code for a token of its own.
 */
export function PairingScreen() {
  const [code, setCode] = useState('');
  const [name, setName] = useState(browserName);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeId = useId();
  const nameId = useId();

  const ask = (): Promise<number | null> =>
    post('/api/pair/request', { name }).then(
      ({ status, json, retryAfterSec }) => {
        setMessage(
          status === 200
            ? 'The device now shows a six-digit code.'
            : String(json.error ?? `The device answered ${status}.`),
        );
        return status === 429 ? retryAfterSec : null;
      },
      () => {
        setMessage('Cannot reach the device.');
        return null;
      },
    );

  useEffect(() => {
    // Asked on opening; the button asks again. A page opened again within seconds of the last ask (a reload
    // after its pairing was revoked) is told to wait: it asks again by itself once the wait is over.
    let timer: ReturnType<typeof setTimeout> | null = null;
    let live = true;
    void ask().then((waitSec) => {
      if (live && waitSec !== null) timer = setTimeout(() => void ask(), waitSec * 1000);
    });
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { status, json } = await post('/api/pair', { code: code.trim(), name });
      if (status === 200 && typeof json.token === 'string') {
        saveToken(json.token);
        location.reload();
        return;
      }
      setMessage(String(json.error ?? `The device answered ${status}.`));
    } catch {
      setMessage('Cannot reach the device.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="pairing" data-testid="pairing-screen">
      <form className="pairing-card" onSubmit={(e) => void submit(e)}>
        <h1>Pair with this Firefly device</h1>
        <p>
          To control this device from here, type the six-digit code it shows: in its Firefly window (Settings
          → Paired devices), its console (<code>pair</code>) or its log.
        </p>
        <div className="field">
          <label htmlFor={codeId}>Code</label>
          <input
            id={codeId}
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\d{6}"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
            data-testid="pairing-code"
            required
          />
        </div>
        <div className="field">
          <label htmlFor={nameId}>Name for this browser</label>
          <input id={nameId} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field-row">
          <button type="submit" className="button" disabled={busy || code.length !== 6} data-testid="pair">
            Pair
          </button>
          <button type="button" className="button" onClick={() => void ask()}>
            New code
          </button>
        </div>
        {message ? (
          <p role="status" className="hint" data-testid="pairing-message">
            {message}
          </p>
        ) : null}
      </form>
    </main>
  );
}
