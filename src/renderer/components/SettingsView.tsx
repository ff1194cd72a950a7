/** This device's settings, saved by its peer: the view that lays out each setting's section. */
import type { SpeakerChannel, DeviceSettings, Theme } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';
import { servedWithToken } from '../bridge/auth';
import { PairedDevices } from '../pairing/PairedDevices';
import { useActions, useSettings, useSettingsError } from '../store';
import { LibraryFolders } from './LibraryFolders';
import { OutputOffset } from './OutputOffset';
import { RangeSlider } from './RangeSlider';
import { RoomPassphrase } from './RoomPassphrase';
import { RoomPlaybackSettings } from './RoomPlaybackSettings';
import { Section, Segmented, TextSetting } from './SettingsParts';

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
            <RoomPassphrase
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
