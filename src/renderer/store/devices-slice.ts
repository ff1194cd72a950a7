import type { StateCreator } from 'zustand';
import type { DeviceOutputInfo, DeviceOutputPatch } from '../../shared/devices/output';
import { bridge } from '../bridge';

export interface DevicesSlice {
  devices: {
    /** Every device's output settings (this one first), as the host last reported them. */
    list: DeviceOutputInfo[];
    /** The last error changing a device, shown until the next change. */
    error: string | null;
    actions: {
      /** Mirrors the host's list (from its status pushes). */
      setList(list: DeviceOutputInfo[]): void;
      /** Changes one device's output (applied on that device, as its own setting). */
      update(peerId: string, patch: DeviceOutputPatch): Promise<void>;
      /** Moves every device's volume by one factor, the loudest to `group`. */
      setGroupVolume(group: number): Promise<void>;
    };
  };
}

/** Every speaker's output in the room, and the commands that change them from this window. */
export const createDevicesSlice: StateCreator<DevicesSlice, [], [], DevicesSlice> = (set) => {
  const run = async (command: () => Promise<DeviceOutputInfo[]>) => {
    try {
      const list = await command();
      set((s) => ({ devices: { ...s.devices, list, error: null } }));
    } catch (error) {
      set((s) => ({
        devices: { ...s.devices, error: error instanceof Error ? error.message : String(error) },
      }));
    }
  };
  return {
    devices: {
      list: [],
      error: null,
      actions: {
        setList: (list) => set((s) => ({ devices: { ...s.devices, list } })),
        update: (peerId, patch) => run(() => bridge().devices.set(peerId, patch)),
        setGroupVolume: (group) => run(async () => (await bridge().devices.groupVolume(group)).devices),
      },
    },
  };
};
