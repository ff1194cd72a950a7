import type { StateCreator } from 'zustand';
import type { DeviceSettings } from '../../shared/bridge/contract';
import { bridge } from '../bridge';

export interface SettingsSlice {
  settings: {
    values: DeviceSettings | null;
    actions: { load(): Promise<void>; update(patch: Partial<DeviceSettings>): Promise<void>; set(values: DeviceSettings): void };
  };
}

/** Per-device settings, persisted by the host peer. */
export const createSettingsSlice: StateCreator<SettingsSlice, [], [], SettingsSlice> = (set) => ({
  settings: {
    values: null,
    actions: {
      async load() {
        const values = await bridge().settings.get();
        set((s) => ({ settings: { ...s.settings, values } }));
      },
      async update(patch) {
        const values = await bridge().settings.set(patch);
        set((s) => ({ settings: { ...s.settings, values } }));
      },
      set(values) {
        set((s) => ({ settings: { ...s.settings, values } }));
      },
    },
  },
});
