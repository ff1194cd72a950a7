import { useEffect, useId, useState, type FormEvent } from 'react';
import type { SpeakerChannel, DeviceSettings, Theme } from '../../shared/bridge/payloads';
import { OUTPUT_OFFSET_RANGE_MS } from '../../shared/bridge/request-validators';
import { bridge } from '../bridge';
import { servedWithToken } from '../bridge/auth';
import { PairedDevices } from '../pairing/PairedDevices';
import { audioEngine } from '../playback/engine-host';
import { useActions, usePeerStatus, useSettings, useSettingsError } from '../store';
import { Icon } from './Icons';
import { ProgressBar } from './ProgressBar';
import { RangeSlider } from './RangeSlider';
import { RoomPlaybackSettings } from './RoomPlaybackSettings';
import { Section, Segmented } from './SettingsParts';

/** A text setting edited locally and saved on Enter, on blur, or with its button. */
function TextSetting({
  label,
  value,
  onSave,
  testId,
  hint,
  maxLength,
}: {
  label: string;
  value: string;
  onSave(v: string): Promise<boolean>;
  testId: string;
  hint?: string;
  maxLength?: number;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const id = useId();
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (draft === null || draft === value) return setDraft(null);
    if (await onSave(draft.trim())) setDraft(null);
  };
  return (
    <form className="field" onSubmit={(e) => void save(e)}>
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type="text"
          value={draft ?? value}
          maxLength={maxLength}
          data-testid={testId}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => void save()}
        />
        <button type="submit" className="button" disabled={draft === null || draft === value}>
          Save
        </button>
      </div>
      {hint ? <p className="hint">{hint}</p> : null}
    </form>
  );
}

function OutputOffset({ value, onSave }: { value: number; onSave(ms: number): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [clicking, setClicking] = useState(() => audioEngine()?.clicks ?? false);
  const [clickError, setClickError] = useState<string | null>(null);
  const id = useId();
  // Leaving Settings stops the clicks: the room's music comes back where it is.
  useEffect(() => () => void audioEngine()?.playClicks(false), []);
  const nudge = (delta: number) =>
    onSave(
      Math.max(
        OUTPUT_OFFSET_RANGE_MS.min,
        Math.min(OUTPUT_OFFSET_RANGE_MS.max, Math.round((value + delta) * 10) / 10),
      ),
    );
  const commit = () => {
    if (draft === null) return;
    const ms = Number(draft);
    setDraft(null);
    if (Number.isFinite(ms) && ms !== value)
      onSave(Math.max(OUTPUT_OFFSET_RANGE_MS.min, Math.min(OUTPUT_OFFSET_RANGE_MS.max, ms)));
  };
  const toggleClicks = async () => {
    const engine = audioEngine();
    if (!engine) return setClickError('The sound output has not started yet.');
    try {
      await engine.playClicks(!clicking);
      setClickError(null);
      setClicking(!clicking);
    } catch (error) {
      setClickError(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>Output offset</label>
      <div className="field-row offset-row">
        <button type="button" className="button" aria-label="Output offset −10 ms" onClick={() => nudge(-10)}>
          −10
        </button>
        <button type="button" className="button" aria-label="Output offset −1 ms" onClick={() => nudge(-1)}>
          −1
        </button>
        <div className="number-input">
          <input
            id={id}
            type="number"
            step={0.5}
            min={OUTPUT_OFFSET_RANGE_MS.min}
            max={OUTPUT_OFFSET_RANGE_MS.max}
            value={draft ?? String(value)}
            data-testid="output-offset"
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => e.key === 'Enter' && commit()}
          />
          <span aria-hidden="true">ms</span>
        </div>
        <button type="button" className="button" aria-label="Output offset +1 ms" onClick={() => nudge(1)}>
          +1
        </button>
        <button type="button" className="button" aria-label="Output offset +10 ms" onClick={() => nudge(10)}>
          +10
        </button>
      </div>
      <div className="calibration">
        <button
          type="button"
          className={`button${clicking ? ' primary' : ''}`}
          aria-pressed={clicking}
          onClick={() => void toggleClicks()}
          data-testid="click-test"
        >
          <Icon name="metronome" size={18} /> {clicking ? 'Stop click test' : 'Start click test'}
        </button>
        <p className="hint">
          Plays a click on every second of room time (a higher one every fourth). Start it on two devices,
          listen to both, and nudge this device’s offset until the two clicks merge into one. A positive
          offset plays earlier, for speakers that lag (Bluetooth). The clicks play through the same output as
          the music, in place of it while they run.
        </p>
        {clickError ? (
          <p className="hint error" role="alert">
            {clickError}
          </p>
        ) : null}
      </div>
    </div>
  );
}

function LibraryFolders({
  folders,
  onSave,
}: {
  folders: string[];
  onSave(next: string[]): Promise<boolean>;
}) {
  const [path, setPath] = useState('');
  const id = useId();
  const status = usePeerStatus();
  const scan = status?.library?.scan;
  const fromFlags = Array.isArray(status?.config.libraries)
    ? (status.config.libraries as unknown[]).filter((x): x is string => typeof x === 'string')
    : [];
  const defaultFolder =
    typeof status?.config.defaultMusicFolder === 'string' ? status.config.defaultMusicFolder : null;
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const next = path.trim();
    if (!next || folders.includes(next)) return;
    if (await onSave([...folders, next])) setPath('');
  };
  return (
    <div className="field">
      <span className="label">Music folders</span>
      <ul className="folders" data-testid="library-folders">
        {fromFlags.map((f) => (
          <li key={`flag-${f}`}>
            <Icon name="folder" size={18} />
            <code>{f}</code>
            <span className="tag">from the command line</span>
          </li>
        ))}
        {folders.map((f, i) => (
          <li key={f} data-testid="library-folder">
            <Icon name="folder" size={18} />
            <code>{f}</code>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove folder ${f}`}
              onClick={() => void onSave(folders.filter((_, j) => j !== i))}
            >
              <Icon name="remove" size={16} />
            </button>
          </li>
        ))}
        {defaultFolder ? (
          <li data-testid="default-music-folder">
            <Icon name="folder" size={18} />
            <code>{defaultFolder}</code>
            <span className="tag">your music folder, found automatically</span>
          </li>
        ) : null}
        {folders.length === 0 && fromFlags.length === 0 && !defaultFolder ? (
          <li className="muted">No folders yet.</li>
        ) : null}
      </ul>
      <form className="field-row" onSubmit={(e) => void add(e)}>
        <label htmlFor={id} className="visually-hidden">
          Folder path to add
        </label>
        <input
          id={id}
          type="text"
          placeholder="/home/you/Music"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          data-testid="add-folder-path"
        />
        <button type="submit" className="button" disabled={!path.trim()}>
          Add folder
        </button>
      </form>
      {scan?.running ? (
        <div className="scan-inline" role="status">
          <span>
            Scanning {scan.done} of {scan.total} files
          </span>
          <ProgressBar
            done={scan.done}
            total={scan.total}
            label="Library scan"
            indeterminate={scan.total === 0}
          />
        </div>
      ) : null}
    </div>
  );
}

function Passphrase({ isSet, onSave }: { isSet: boolean; onSave(v: string): Promise<boolean> }) {
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

/** This device's settings, saved by its peer. */
export function SettingsView() {
  const values = useSettings();
  const error = useSettingsError();
  const { settings } = useActions();
  const update = (patch: Partial<DeviceSettings>) => settings.update(patch);
  const desktop = bridge().transport === 'ipc';

  return (
    <section className="view settings" aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title" tabIndex={-1}>
            Settings
          </h1>
          <p className="view-sub">Saved on this device.</p>
        </div>
      </header>
      {error ? (
        <p role="alert" className="inline-error" data-testid="settings-error">
          Could not save: {error}
        </p>
      ) : null}
      {!values ? (
        <p className="muted">Loading settings…</p>
      ) : (
        <div className="settings-body">
          <Section title="This device" description="How the room sees this device.">
            <TextSetting
              label="Device name"
              value={values.name}
              maxLength={64}
              testId="device-name"
              onSave={(name) => update({ name })}
            />
            <div className="field">
              <label htmlFor="priority">Leader priority</label>
              <div className="field-row">
                <input
                  id="priority"
                  type="number"
                  min={0}
                  max={1000}
                  step={1}
                  defaultValue={values.priority}
                  key={values.priority}
                  data-testid="priority"
                  onBlur={(e) => {
                    const n = Math.round(Number(e.target.value));
                    if (Number.isFinite(n) && n !== values.priority)
                      void update({ priority: Math.max(0, Math.min(1000, n)) });
                  }}
                  onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
                />
              </div>
              <p className="hint">
                The device with the highest priority leads the room (ties go to the highest id). 0–1000.
              </p>
            </div>
          </Section>

          <Section title="Sound" description="Volume, channel and timing of this device’s speakers.">
            <div className="field">
              <span className="label">Volume</span>
              <div className="field-row">
                <RangeSlider
                  label="Volume"
                  min={0}
                  max={1}
                  step={0.01}
                  value={values.volume}
                  valueText={(v) => `${Math.round(v * 100)}%`}
                  onCommit={(v) => void update({ volume: v })}
                />
                <span className="value">{Math.round(values.volume * 100)}%</span>
              </div>
            </div>
            <div className="field">
              <span className="label" id="channel-label">
                Channel
              </span>
              <Segmented<SpeakerChannel>
                label="Channel"
                value={values.channel}
                testId="channel"
                options={[
                  ['stereo', 'Stereo'],
                  ['left', 'Left'],
                  ['right', 'Right'],
                  ['mono', 'Mono'],
                ]}
                onChange={(channel) => void update({ channel })}
              />
              <p className="hint">Two devices set to Left and Right make a stereo pair.</p>
            </div>
            <OutputOffset
              value={values.outputOffsetMs}
              onSave={(outputOffsetMs) => void update({ outputOffsetMs })}
            />
          </Section>

          <RoomPlaybackSettings />

          <Section title="Library" description="Folders this device scans and shares with the room.">
            <LibraryFolders folders={values.libraries} onSave={(libraries) => update({ libraries })} />
          </Section>

          <Section title="Room">
            <Passphrase
              isSet={values.roomPassphraseSet}
              onSave={(roomPassphrase) => update({ roomPassphrase })}
            />
          </Section>

          {servedWithToken() ? (
            <Section
              title="Paired devices"
              description="Browsers on other devices (a phone) that may control this one. Pairing needs a code shown here."
            >
              <PairedDevices />
            </Section>
          ) : null}

          <Section title="Appearance">
            <div className="field">
              <span className="label">Theme</span>
              <Segmented<Theme>
                label="Theme"
                value={values.theme}
                testId="theme"
                options={[
                  ['system', 'System'],
                  ['light', 'Light'],
                  ['dark', 'Dark'],
                ]}
                onChange={(theme) => void update({ theme })}
              />
            </div>
          </Section>

          <Section
            title="Desktop"
            description={
              desktop
                ? undefined
                : 'These apply to the desktop app; this window is served by a headless peer.'
            }
          >
            <label className="check">
              <input
                type="checkbox"
                checked={values.notifications}
                onChange={(e) => void update({ notifications: e.target.checked })}
                data-testid="notifications"
              />
              <span>
                Notifications
                <span className="hint">When the leader changes or a device joins or leaves.</span>
              </span>
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={values.closeToTray}
                onChange={(e) => void update({ closeToTray: e.target.checked })}
                data-testid="close-to-tray"
              />
              <span>
                Keep playing in the tray when the window closes
                <span className="hint">Quit from the tray menu.</span>
              </span>
            </label>
          </Section>
        </div>
      )}
    </section>
  );
}
