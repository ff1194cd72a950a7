/**
 * The room passphrase setting: never shown (the API only says whether one of the user's own is
 * set); typing a new one and joining moves this device to that room.
 */
import { useId, useState } from 'react';
import { Icon } from './Icons';

/** The passphrase field with its show/hide toggle. */
export function RoomPassphrase({ isSet, onSave }: { isSet: boolean; onSave(v: string): Promise<boolean> }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const id = useId();
  const changed = draft !== null && draft.trim() !== '';
  return (
    <form
      className="field"
      onSubmit={(e) => {
        e.preventDefault();
        if (changed) void onSave(draft).then((ok) => ok && setDraft(null));
      }}
    >
      <label htmlFor={id}>Room passphrase</label>
      <div className="field-row">
        <div className="secret">
          <input
            id={id}
            type={shown ? 'text' : 'password'}
            autoComplete="off"
            placeholder={
              isSet ? 'A passphrase of your own is set (hidden)' : 'Default room (no passphrase set)'
            }
            value={draft ?? ''}
            onChange={(e) => setDraft(e.target.value)}
            data-testid="room-passphrase"
          />
          <button
            type="button"
            className="icon-button"
            aria-label={shown ? 'Hide passphrase' : 'Show passphrase'}
            aria-pressed={shown}
            onClick={() => setShown(!shown)}
          >
            <Icon name={shown ? 'eyeOff' : 'eye'} size={18} />
          </button>
        </div>
        <button type="submit" className="button" disabled={!changed}>
          Join room
        </button>
      </div>
      <p className="hint">
        Devices with the same passphrase form a room; others cannot even connect. Changing it reconnects this
        device.
      </p>
    </form>
  );
}
