/** Per-device settings, persisted as one JSON file in the data folder (written atomically). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceSettings } from '../shared/bridge/payloads';
import { settingsPatch } from '../shared/bridge/request-validators';

/** Reads and writes the device settings of one peer. */
export class SettingsStore {
  readonly #file: string;
  #current: DeviceSettings;
  #writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string, defaults: DeviceSettings) {
    this.#file = path.join(dataDir, 'settings.json');
    this.#current = { ...defaults };
  }

  /** Loads saved settings over the defaults; `overrides` (flags given on the command line) win over both. */
  async load(overrides: Partial<DeviceSettings> = {}): Promise<DeviceSettings> {
    const saved = await readFile(this.#file, 'utf8').then(
      (text) => JSON.parse(text) as unknown,
      () => undefined,
    );
    if (saved !== undefined) {
      // A damaged or foreign file must not stop the peer: keep each field that still validates.
      for (const [key, value] of Object.entries(saved as Record<string, unknown>)) {
        const r = settingsPatch({ [key]: value });
        if (r.ok) Object.assign(this.#current, r.value);
      }
    }
    Object.assign(this.#current, overrides);
    return this.get();
  }

  /** The current settings. */
  get(): DeviceSettings {
    return { ...this.#current };
  }

  /** Applies a validated patch and saves it. */
  async update(patch: Partial<DeviceSettings>): Promise<DeviceSettings> {
    for (const [key, value] of Object.entries(patch))
      if (value !== undefined) Object.assign(this.#current, { [key]: value });
    const snapshot = JSON.stringify(this.#current, null, 2);
    this.#writing = this.#writing.then(async () => {
      await mkdir(path.dirname(this.#file), { recursive: true });
      const temp = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temp, snapshot);
      await rename(temp, this.#file);
    });
    await this.#writing;
    return this.get();
  }
}
