import { describe, expect, it } from 'vitest';
import type { DeviceSettings } from '../../shared/bridge/payloads';
import { LocalSpeakers } from './local-speakers';
import type { Running } from './running';

const settings = {
  name: 'Kitchen',
  volume: 0.8,
  muted: false,
  outputOffsetMs: 0,
  channel: 'stereo',
} as DeviceSettings;

/** A running peer stand-in that records what the room and playback were told. */
function aRunning() {
  const told: unknown[] = [];
  const running = {
    node: { peerId: 'SelfPeer' },
    room: {
      members: () => [
        { peerId: 'OtherPeer', name: 'Den', speaker: true },
        { peerId: 'QuietPeer', name: 'Hall', speaker: false },
      ],
      setSpeaker: (playing: boolean) => told.push(['speaker', playing]),
      setOutput: (output: unknown) => told.push(['output', output]),
    },
    playback: { membersChanged: () => told.push(['membersChanged']) },
    devices: {
      outputs: () => new Map([['OtherPeer', { volume: 1, muted: true, outputOffsetMs: 3, channel: 'left' }]]),
    },
  } as unknown as Running;
  return { running, told };
}

describe('LocalSpeakers', () => {
  it('tells the room and the start barrier when windows start or stop playing here', () => {
    const { running, told } = aRunning();
    const speakers = new LocalSpeakers({ running: () => running, settings: () => settings });
    speakers.setSpeakers(1);
    expect(told).toEqual([['speaker', true], ['output', null], ['membersChanged']]);
    expect(speakers.roomSpeakers()).toEqual([
      { peerId: 'SelfPeer', name: 'Kitchen' },
      { peerId: 'OtherPeer', name: 'Den' },
    ]);
    speakers.setSpeakers(0);
    expect(speakers.roomSpeakers()).toEqual([{ peerId: 'OtherPeer', name: 'Den' }]);
  });

  it('lists this device first, then members that announced an output', () => {
    const { running } = aRunning();
    const speakers = new LocalSpeakers({ running: () => running, settings: () => settings });
    expect(speakers.deviceList().map((d) => [d.peerId, d.name, d.self])).toEqual([
      ['SelfPeer', 'Kitchen', true],
      ['OtherPeer', 'Den', false],
    ]);
  });

  it('lists nothing and tells no one while the peer is stopped', () => {
    const speakers = new LocalSpeakers({ running: () => null, settings: () => settings });
    expect(() => speakers.setSpeakers(2)).not.toThrow();
    expect(speakers.output.playing).toBe(true);
    expect(speakers.deviceList()).toEqual([]);
    expect(speakers.roomSpeakers()).toEqual([]);
  });
});
