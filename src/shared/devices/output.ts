/**
 * Every speaker's output from any device: each peer announces its output settings (volume, mute,
 * channel, output offset) on the control topic, and any peer may ask another to change them.
 * The target applies a change through its own settings, so it persists there like a change made on
 * the device itself.
 *
 * - `device:output`: the sender's output settings, sent when they change, when a member joins, and
 *   now and then (gossip is best effort).
 * - `device:set`: asks peer `to` to change its output settings; `requestId` pairs it with the reply.
 * - `device:set-reply`: the answer of the peer asked (error null when applied).
 */
import type { SpeakerChannel } from '../bridge/payloads';
import type { Validator } from '../validate';
import { bool, num, obj, oneOf, optional, str, isTypeOf } from '../validate';
import { err, ok } from '../result';

/** One device's output settings, the part of its settings other devices may see and change. */
export interface DeviceOutput {
  /** 0..1. */
  volume: number;
  muted: boolean;
  outputOffsetMs: number;
  channel: SpeakerChannel;
}

export type DeviceOutputPatch = Partial<DeviceOutput>;

/** A device's output as the room knows it, for the Room view and the API. */
export interface DeviceOutputInfo extends DeviceOutput {
  peerId: string;
  name: string;
  self: boolean;
}

/** The output offsets a device accepts (ms): see `OUTPUT_OFFSET_RANGE_MS` in the bridge contract. */
export const DEVICE_OUTPUT_OFFSET_RANGE_MS = { min: -250, max: 1000 } as const;

const PEER_ID = /^[A-Za-z0-9]{1,128}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const peerId: Validator<string> = (input, path) =>
  typeof input === 'string' && PEER_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'peerId'}: expected a peer id`);
const requestId: Validator<string> = (input, path) =>
  typeof input === 'string' && REQUEST_ID.test(input)
    ? ok(input)
    : err(`${path ?? 'requestId'}: expected a request id`);

const volume = num(0, 1);
const offset = num(DEVICE_OUTPUT_OFFSET_RANGE_MS.min, DEVICE_OUTPUT_OFFSET_RANGE_MS.max);
const channel = oneOf<SpeakerChannel>('left', 'right', 'stereo', 'mono');

/** A whole output, as a device announces it. */
export const deviceOutputValidator = obj({
  volume,
  muted: bool,
  outputOffsetMs: offset,
  channel,
}) as Validator<DeviceOutput>;

/** A change to a device's output: at least one field. */
export const deviceOutputPatchValidator: Validator<DeviceOutputPatch> = (input, path) => {
  const r = obj({
    volume: optional(volume),
    muted: optional(bool),
    outputOffsetMs: optional(offset),
    channel: optional(channel),
  })(input, path);
  if (!r.ok) return r;
  if (Object.values(r.value).every((v) => v === undefined))
    return err(`${path ?? 'patch'}: name at least one of volume, muted, outputOffsetMs, channel`);
  return ok(r.value as DeviceOutputPatch);
};

/** Body of each device message type. */
export interface DeviceBodies {
  'device:output': { output: DeviceOutput };
  'device:set': { to: string; requestId: string; patch: DeviceOutputPatch };
  'device:set-reply': { to: string; requestId: string; error: string | null };
}

export type DeviceMessageType = keyof DeviceBodies;
/** Any device message, discriminated by `type`. */
export type DeviceMessage = { [T in DeviceMessageType]: { type: T } & DeviceBodies[T] }[DeviceMessageType];

/** Field validators of each body, in the shape the control codec's `bodyValidators` takes. */
export const deviceBodyValidators: {
  [T in DeviceMessageType]: { [K in keyof DeviceBodies[T]]-?: Validator<DeviceBodies[T][K]> };
} = {
  'device:output': { output: deviceOutputValidator },
  'device:set': { to: peerId, requestId, patch: deviceOutputPatchValidator },
  'device:set-reply': {
    to: peerId,
    requestId,
    error: (input, path) => (input === null ? ok(null) : str(512)(input, path)),
  },
};

/** Whether `type` names a device message type. */
export const isDeviceMessageType: (type: unknown) => type is DeviceMessageType =
  isTypeOf(deviceBodyValidators);

/** The room's group volume: the loudest device's, so that moving it to 1 never clips a device past 1. */
export function groupVolume(volumes: readonly number[]): number {
  return volumes.length === 0 ? 0 : Math.max(...volumes);
}

/**
 * Each device's volume after the group volume moves to `target`: all scale by the same factor, so
 * their balance stays (the kitchen stays half as loud as the living room). From silence (every
 * device at 0) there is no balance to keep: all go to `target`.
 */
export function scaleToGroup(volumes: readonly number[], target: number): number[] {
  const t = Math.max(0, Math.min(1, target));
  const current = groupVolume(volumes);
  if (current <= 0) return volumes.map(() => t);
  return volumes.map((v) => Math.round(Math.max(0, Math.min(1, (v * t) / current)) * 1000) / 1000);
}
