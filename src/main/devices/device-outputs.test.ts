import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceMessage, DeviceOutput } from '../../shared/devices/output';
import { DeviceOutputs } from './device-outputs';

type Listener = (from: string, message: DeviceMessage, seq: number) => void;

const output = (volume: number): DeviceOutput => ({
  volume,
  muted: false,
  outputOffsetMs: 0,
  channel: 'stereo',
});

const running: DeviceOutputs[] = [];
afterEach(() => {
  for (const d of running.splice(0)) d.stop();
});

/** A device whose control topic is a listener the test calls, as the room would after decoding. */
function aDevice(): { devices: DeviceOutputs; deliver: Listener } {
  let listener: Listener | null = null;
  const devices = new DeviceOutputs({
    selfId: 'self',
    publish: () => undefined,
    subscribe: (l) => {
      listener = l;
    },
    output: () => output(1),
    apply: () => Promise.resolve(output(1)),
  });
  devices.start();
  running.push(devices);
  return { devices, deliver: (from, message, seq) => listener!(from, message, seq) };
}

describe('DeviceOutputs', () => {
  it('keeps the newest announcement of each member when gossip delivers an older one last', () => {
    const { devices, deliver } = aDevice();
    deliver('attic', { type: 'device:output', output: output(0.6) }, 1_000_002);
    // The periodic announcement sent before the change, relayed by a third peer, arrives after it.
    deliver('attic', { type: 'device:output', output: output(1) }, 1_000_001);
    expect(devices.outputs().get('attic')?.volume).toBe(0.6);
    expect(devices.staleAnnouncements).toBe(1);
    // A repeat of the same message is dropped too; a newer one is taken.
    deliver('attic', { type: 'device:output', output: output(1) }, 1_000_002);
    deliver('attic', { type: 'device:output', output: output(0.3) }, 1_000_003);
    expect(devices.outputs().get('attic')?.volume).toBe(0.3);
    expect(devices.staleAnnouncements).toBe(2);
  });

  it('orders each member on its own, and starts afresh for a member that left and came back', () => {
    const { devices, deliver } = aDevice();
    deliver('attic', { type: 'device:output', output: output(0.6) }, 5_000);
    deliver('kitchen', { type: 'device:output', output: output(0.2) }, 10);
    expect(devices.outputs().get('kitchen')?.volume).toBe(0.2);
    devices.forget('attic');
    deliver('attic', { type: 'device:output', output: output(0.4) }, 7);
    expect(devices.outputs().get('attic')?.volume).toBe(0.4);
    expect(devices.staleAnnouncements).toBe(0);
  });
});
