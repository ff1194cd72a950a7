import type { StateCreator } from 'zustand';
import type { DeviceSettings, SettingsView } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';

export interface SettingsSlice {
  settings: {
    values: SettingsView | null;
    /** The last error saving a setting, shown beside the settings until the next save. */
    error: string | null;
    actions: {
      load(): Promise<void>;
      /** Saves a change; resolves true when the peer accepted it. */
      update(patch: Partial<DeviceSettings>): Promise<boolean>;
      set(values: SettingsView): void;
    };
  };
}

/** Per-device settings, persisted by the host peer. */
export const createSettingsSlice: StateCreator<SettingsSlice, [], [], SettingsSlice> = (set, get) => ({
  settings: {
    values: null,
    error: null,
    actions: {
      async load() {
        const values = await bridge().settings.get();
        set((s) => ({ settings: { ...s.settings, values } }));
      },
      async update(patch) {
        // Show the change at once (a toggle must not lag behind the click); the peer's answer then replaces it.
        const before = get().settings.values;
        const { roomPassphrase: _secret, ...shown } = patch;
        if (before) set((s) => ({ settings: { ...s.settings, values: { ...before, ...shown } } }));
        try {
          const values = await bridge().settings.set(patch);
          set((s) => ({ settings: { ...s.settings, values, error: null } }));
          return true;
        } catch (error) {
          set((s) => ({
            settings: {
              ...s.settings,
              values: before ?? s.settings.values,
              error: error instanceof Error ? error.message : String(error),
            },
          }));
          return false;
        }
      },
      set(values) {
        set((s) => ({ settings: { ...s.settings, values } }));
      },
    },
  },
});
