import { describe, expect, it } from 'vitest';
import { decodeControl, encodeControl, sealControl } from '../protocol/codec';
import { deviceOutputPatchValidator, groupVolume, scaleToGroup } from './output';

const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const envelope = { v: 1, from: 'PeerA1', epoch: 3, seq: 9 };

describe('device messages on the control topic', () => {
  it('round-trip through the codec', () => {
    for (const body of [
      { type: 'device:output', output: { volume: 0.4, muted: true, outputOffsetMs: 120, channel: 'left' } },
      { type: 'device:set', to: 'PeerB2', requestId: 'r-1', patch: { volume: 0.25 } },
      { type: 'device:set-reply', to: 'PeerA1', requestId: 'r-1', error: null },
      { type: 'device:set-reply', to: 'PeerA1', requestId: 'r-2', error: 'no such setting' },
    ]) {
      const msg = sealControl({ ...body, from: 'PeerA1', epoch: 3 } as never, 9);
      expect(decodeControl(encodeControl(msg), 'PeerA1')).toEqual({ ok: true, value: msg });
    }
  });

  it.each([
    ['a volume past 1', { type: 'device:set', to: 'PeerB2', requestId: 'r', patch: { volume: 1.5 } }],
    [
      'a negative volume',
      { type: 'device:output', output: { volume: -0.1, muted: false, outputOffsetMs: 0, channel: 'stereo' } },
    ],
    ['an empty change', { type: 'device:set', to: 'PeerB2', requestId: 'r', patch: {} }],
    [
      'a setting that is not an output',
      { type: 'device:set', to: 'PeerB2', requestId: 'r', patch: { roomPassphrase: 'x' } },
    ],
    [
      'an output offset out of range',
      { type: 'device:set', to: 'PeerB2', requestId: 'r', patch: { outputOffsetMs: 5000 } },
    ],
    [
      'an unknown channel',
      { type: 'device:set', to: 'PeerB2', requestId: 'r', patch: { channel: 'surround' } },
    ],
    ['a bad peer id', { type: 'device:set', to: 'Peer B/2', requestId: 'r', patch: { muted: true } }],
    ['a missing field', { type: 'device:output', output: { volume: 0.5, muted: false, channel: 'stereo' } }],
  ])('are refused (never thrown) with %s', (_, body) => {
    const r = decodeControl(bytes({ ...envelope, ...body }), 'PeerA1');
    expect(r).toMatchObject({ ok: false, ignored: false, reason: 'badField' });
  });
});

describe('deviceOutputPatchValidator', () => {
  it('takes any of the four output settings and nothing else', () => {
    expect(deviceOutputPatchValidator({ muted: false, channel: 'mono' })).toEqual({
      ok: true,
      value: { muted: false, channel: 'mono' },
    });
    expect(deviceOutputPatchValidator({ name: 'x' })).toMatchObject({ ok: false });
    expect(deviceOutputPatchValidator({})).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at least one/),
    });
  });
});

describe('group volume', () => {
  it('is the loudest device’s volume', () => {
    expect(groupVolume([0.2, 0.8, 0.5])).toBe(0.8);
    expect(groupVolume([])).toBe(0);
  });

  it('moves every device by the same factor, keeping their balance', () => {
    expect(scaleToGroup([1, 0.3], 0.5)).toEqual([0.5, 0.15]);
    expect(scaleToGroup([0.4, 0.2], 0.8)).toEqual([0.8, 0.4]);
    expect(scaleToGroup([0.4, 0.2, 0], 0.1)).toEqual([0.1, 0.05, 0]);
  });

  it('from silence, brings every device to the group volume; stays within 0..1', () => {
    expect(scaleToGroup([0, 0], 0.6)).toEqual([0.6, 0.6]);
    expect(scaleToGroup([0.5, 0.25], 2)).toEqual([1, 0.5]);
    expect(scaleToGroup([0.5, 0.25], -1)).toEqual([0, 0]);
  });
});
