/**
 * The bridge over WebSocket, for the headless peer: the same contract the Electron preload exposes.
 * Frames are JSON: requests `{id, channel, payload}`, replies `{id, ok, value | error}`, events `{event, payload}`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BridgeError,
  dispatchRequest,
  eventNames,
  localOnlyEvents,
  type BridgeEvents,
  type BridgeHandlers,
  type Caller,
} from '../../shared/bridge/contract';
import type { TypedEvents } from './events';

/** Largest request frame accepted from a browser. */
const MAX_FRAME_BYTES = 256 * 1024;

export interface WsBridgeComponents {
  handlers: BridgeHandlers;
  events: TypedEvents<BridgeEvents>;
  /** Told how many windows are connected whenever that changes. */
  onClients?(count: number): void;
}

/** Serves the bridge contract to browser windows over WebSocket. */
export class WsBridge {
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // The UI offers `firefly` and its token as a second subprotocol; only `firefly` is ever echoed back.
    handleProtocols: (protocols) => (protocols.has('firefly') ? 'firefly' : false),
  });
  /** Who is on each connection (the HTTP server authenticated it before the upgrade). */
  readonly #callers = new WeakMap<WebSocket, Caller>();
  readonly #unsubscribe: Array<() => void> = [];
  #rejected = 0;

  constructor(private readonly components: WsBridgeComponents) {
    for (const event of eventNames) {
      this.#unsubscribe.push(components.events.on(event, (payload) => this.broadcast(event, payload)));
    }
    this.#wss.on('connection', (socket) => this.#accept(socket));
  }

  /** Requests rejected as malformed since start. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Takes over an HTTP upgrade request from an authenticated `caller`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, caller: Caller): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      this.#callers.set(ws, caller);
      this.#wss.emit('connection', ws, request);
    });
  }

  /** Sends an event to every connected window (local-only events to this device's own windows). */
  broadcast<E extends keyof BridgeEvents>(event: E, payload: BridgeEvents[E]): void {
    const frame = JSON.stringify({ event, payload });
    const localOnly = localOnlyEvents.has(event);
    for (const client of this.#wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (localOnly && this.#callers.get(client)?.kind !== 'local') continue;
      client.send(frame);
    }
  }

  /** Closes the connections of a paired device whose pairing was revoked. */
  disconnectDevice(deviceId: string): void {
    for (const client of this.#wss.clients)
      if (this.#callers.get(client)?.deviceId === deviceId) client.close(4401, 'pairing revoked');
  }

  /** Closes every connection. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }

  #accept(socket: WebSocket): void {
    this.components.onClients?.(this.#wss.clients.size);
    socket.on('close', () => this.components.onClients?.(this.#wss.clients.size));
    socket.on('error', () => socket.terminate());
    socket.on('message', (data, isBinary) => {
      void this.#onFrame(socket, isBinary ? null : data.toString());
    });
  }

  async #onFrame(socket: WebSocket, text: string | null): Promise<void> {
    let id: unknown = null;
    try {
      if (text === null) throw new BridgeError('binary frames are not accepted');
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        throw new BridgeError('frame is not JSON');
      }
      if (typeof frame !== 'object' || frame === null) throw new BridgeError('frame is not an object');
      const { id: frameId, channel, payload } = frame as Record<string, unknown>;
      if (typeof frameId !== 'number' || !Number.isSafeInteger(frameId))
        throw new BridgeError('frame has no numeric id');
      id = frameId;
      const caller = this.#callers.get(socket);
      if (!caller) throw new Error('connection is not authenticated');
      const value = await dispatchRequest(this.components.handlers, channel, payload, caller);
      send(socket, { id, ok: true, value: value ?? null });
    } catch (error) {
      if (error instanceof BridgeError) this.#rejected++;
      const message = error instanceof Error ? error.message : String(error);
      send(socket, { id, ok: false, error: message });
    }
  }
}

function send(socket: WebSocket, frame: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
}
