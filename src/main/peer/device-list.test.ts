import { describe, expect, it } from 'vitest';
import type { DeviceSettings } from '../../shared/bridge/payloads';
import type { DeviceOutput } from '../../shared/devices/output';
import { deviceList, outputOf, roomSpeakers } from './device-list';

const settings = {
  name: 'Desk',
  volume: 0.5,
  muted: false,
  outputOffsetMs: 12,
  channel: 'left',
  theme: 'dark',
} as unknown as DeviceSettings;
const members = [
  { peerId: 'kitchen', name: 'Kitchen', speaker: true },
  { peerId: 'hall', name: 'Hall', speaker: false },
];
const room = { members: () => members } as never;
const output = (volume: number): DeviceOutput => ({
  volume,
  muted: false,
  outputOffsetMs: 0,
  channel: 'stereo',
});

describe('device lists', () => {
  it('an output is the four output settings only', () => {
    expect(outputOf(settings)).toEqual({ volume: 0.5, muted: false, outputOffsetMs: 12, channel: 'left' });
  });

  it('lists this device first, then members that announced an output (not peers gone from the room)', () => {
    const outputs = new Map([
      ['gone', output(0.1)],
      ['kitchen', output(0.9)],
    ]);
    const list = deviceList({ selfId: 'self', settings, room }, { outputs: () => outputs });
    expect(list.map((d) => [d.peerId, d.name, d.self, d.volume])).toEqual([
      ['self', 'Desk', true, 0.5],
      ['kitchen', 'Kitchen', false, 0.9],
    ]);
  });

  it('the room speakers are members with a window playing, this device first when it plays', () => {
    expect(roomSpeakers({ selfId: 'self', settings, room }, true)).toEqual([
      { peerId: 'self', name: 'Desk' },
      { peerId: 'kitchen', name: 'Kitchen' },
    ]);
    expect(roomSpeakers({ selfId: 'self', settings, room }, false)).toEqual([
      { peerId: 'kitchen', name: 'Kitchen' },
    ]);
  });
});
