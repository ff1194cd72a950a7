/** The room's devices as this peer lists them: their outputs and which of them play. */
import type { DeviceSettings } from '../../shared/bridge/payloads';
import type { DeviceOutput, DeviceOutputInfo } from '../../shared/devices/output';
import type { RoomSpeaker } from '../calibration/calibration-service';
import type { DeviceOutputs } from '../devices/device-outputs';
import type { RoomService } from '../room/room-service';

/** The settings other devices may see and change (see shared/devices/output.ts). */
export const outputKeys = ['volume', 'muted', 'outputOffsetMs', 'channel'] as const;

/** This device's output as its settings say. */
export function outputOf(settings: DeviceSettings): DeviceOutput {
  return {
    volume: settings.volume,
    muted: settings.muted,
    outputOffsetMs: settings.outputOffsetMs,
    channel: settings.channel,
  };
}

/** What the lists are made from. */
export interface RoomDevices {
  selfId: string;
  settings: DeviceSettings;
  room: Pick<RoomService, 'members'>;
}

/** Every device's output: this one first, then each member that announced its own. */
export function deviceList(
  { selfId, settings, room }: RoomDevices,
  devices: Pick<DeviceOutputs, 'outputs'>,
): DeviceOutputInfo[] {
  const list: DeviceOutputInfo[] = [
    { peerId: selfId, name: settings.name, self: true, ...outputOf(settings) },
  ];
  const names = new Map(room.members().map((m) => [m.peerId, m.name]));
  for (const [peerId, output] of devices.outputs()) {
    const name = names.get(peerId);
    if (name !== undefined) list.push({ peerId, name, self: false, ...output });
  }
  return list;
}

/** The room's speakers: members with a window playing, this device first when it has one. */
export function roomSpeakers({ selfId, settings, room }: RoomDevices, selfPlays: boolean): RoomSpeaker[] {
  const self: RoomSpeaker[] = selfPlays ? [{ peerId: selfId, name: settings.name }] : [];
  const others = room
    .members()
    .filter((m) => m.peerId !== selfId && m.speaker === true)
    .map((m) => ({ peerId: m.peerId, name: m.name }));
  return [...self, ...others];
}
