/**
 * The host's side of the bridge: who asked (`Caller`), the handler for each request channel, and
 * `dispatchRequest`, the one entry point every transport uses (checks the caller and validates the
 * payload before any handler runs).
 */
import {
  isRequestChannel,
  localOnlyChannels,
  requestChannels,
  requestValidators,
  type RequestChannel,
  type RequestOf,
  type ResponseOf,
} from './contract';

/** Who sent a request: this device itself (its own window, REPL, a local script), or a paired remote browser. */
export interface Caller {
  kind: 'local' | 'remote';
  /** The paired device (remote callers only). */
  deviceId?: string;
  deviceName?: string;
  /**
   * Aborted when the connection the request came over goes (a window's WebSocket closes, its
   * webContents is destroyed): what a window started for itself (a capture) ends with it.
   */
  connection?: ConnectionSignal;
}

/** The part of an AbortSignal a caller's `connection` is (the shared layer has no DOM or Node types). */
export interface ConnectionSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The caller of a request made on the device itself. */
export const LOCAL_CALLER: Caller = Object.freeze({ kind: 'local' });

/** A handler for each request channel, run by the host after validation, told who asked. */
export type BridgeHandlers = {
  [C in RequestChannel]: (request: RequestOf<C>, caller: Caller) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** The handlers as one caller sees them: each takes just its request. */
export type CallerHandlers = {
  [C in RequestChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** Binds every handler to `caller` (the REPL and the tray act as the device itself). */
export function asCaller(handlers: BridgeHandlers, caller: Caller): CallerHandlers {
  const bound: Partial<Record<RequestChannel, (request: unknown) => unknown>> = {};
  for (const channel of requestChannels) {
    const handler = handlers[channel] as (request: unknown, caller: Caller) => unknown;
    bound[channel] = (request) => handler(request, caller);
  }
  return bound as CallerHandlers;
}

/** Error sent back to the renderer when a request is malformed or fails. */
export class BridgeError extends Error {
  override name = 'BridgeError';
}

/** A request a remote caller may not make (see `localOnlyChannels`). */
export class LocalOnlyError extends Error {
  override name = 'LocalOnlyError';
}

/** Validates a request for a channel and runs its handler; the one entry point every transport uses. */
export async function dispatchRequest(
  handlers: BridgeHandlers,
  channel: unknown,
  payload: unknown,
  caller: Caller,
): Promise<unknown> {
  if (!isRequestChannel(channel)) throw new BridgeError(`unknown channel ${JSON.stringify(channel)}`);
  if (caller.kind !== 'local' && localOnlyChannels.has(channel))
    throw new LocalOnlyError(`${channel} can only be used on the device itself`);
  const parsed = requestValidators[channel](payload);
  if (!parsed.ok) throw new BridgeError(`${channel}: ${parsed.error}`);
  const handler = handlers[channel] as (request: unknown, caller: Caller) => unknown;
  return handler(parsed.value, caller);
}
