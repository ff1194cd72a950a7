/** REPL command `volume`: every speaker's volume, or set one device's (or the whole group's). */
import type { CallerHandlers } from '../../shared/bridge/dispatch';
import type { DeviceOutputInfo } from '../../shared/devices/output';
import { ReplUsageError } from './repl-errors';
import { formatVolumes } from './repl-format';

/** `volume`, on handlers bound to the device itself. */
export function volumeCommand(h: CallerHandlers) {
  return {
    usage: 'volume [device] N',
    help: 'list every speaker’s volume, or set one (N = 0–100, mute, unmute); device “group” moves all',
    run: async (args: string[]): Promise<string> => {
      const devices = await h['devices:list'](undefined);
      if (args.length === 0) return formatVolumes(devices);
      if (args.length > 2) throw new ReplUsageError('usage: volume [device] N');
      const [first, second] = args as [string, string | undefined];
      const level = second ?? first;
      const who = second === undefined ? null : first;
      if (who === 'group') {
        const group = parsePercent(level);
        if (group === null) throw new ReplUsageError('usage: volume group N, with N from 0 to 100');
        const r = await h['volume:group']({ group });
        return formatVolumes(r.devices);
      }
      const device = who === null ? devices.find((d) => d.self) : findDevice(devices, who);
      if (!device)
        throw new ReplUsageError(
          `no device “${who ?? ''}”; the room has ${devices.map((d) => d.name).join(', ')}`,
        );
      const volume = parsePercent(level);
      const patch =
        level === 'mute'
          ? { muted: true }
          : level === 'unmute'
            ? { muted: false }
            : volume === null
              ? null
              : { volume };
      if (patch === null)
        throw new ReplUsageError('usage: volume [device] N, with N from 0 to 100, mute or unmute');
      const after = await h['devices:settings']({ peerId: device.peerId, ...patch });
      return formatVolumes(after);
    },
  };
}

/** 0–100 as a volume in 0..1, or null. */
function parsePercent(text: string): number | null {
  if (!/^\d{1,3}$/.test(text)) return null;
  const n = Number(text);
  return n <= 100 ? n / 100 : null;
}

/** A device by name (any case) or by the end of its peer id. */
function findDevice(devices: DeviceOutputInfo[], who: string): DeviceOutputInfo | undefined {
  const lower = who.toLowerCase();
  return (
    devices.find((d) => d.name.toLowerCase() === lower) ??
    (who.length >= 4 ? devices.find((d) => d.peerId.endsWith(who)) : undefined)
  );
}
