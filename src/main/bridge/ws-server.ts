/**
 * The bridge over WebSocket, for the headless peer: the same contract the Electron preload exposes.
 * Frames are JSON: requests `{id, channel, payload}`, replies `{id, ok, value | error}`, events `{event, payload}`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventNames, localOnlyEvents, type BridgeEvents } from '../../shared/bridge/contract';
import { BridgeError, dispatchRequest, type BridgeHandlers, type Caller } from '../../shared/bridge/dispatch';
import type { TypedEventTarget } from '../../shared/events';
import { int, obj, parseJson, unchecked } from '../../shared/validate';

/** A request frame: its id, then a channel and payload that `dispatchRequest` checks against the contract. */
const requestFrame = obj({ id: int(), channel: unchecked, payload: unchecked }, { unknownFields: 'drop' });

/** Largest request frame accepted from a browser. */
const MAX_FRAME_BYTES = 256 * 1024;

/** Close code for a window that does not read what it is sent (its send queue passed the cap). */
export const WS_CLOSE_TOO_SLOW = 4008;
/** Close code for a window that did not answer a ping before the next one was due. */
export const WS_CLOSE_PING_TIMEOUT = 4009;

/** Options of WsBridge; every field has a default. */
export interface WsBridgeInit {
  /**
   * Bytes one connection may have queued and unsent before it is dropped as too slow (default
   * 4 MiB, minutes of events for a window that reads them). Without a cap a window that stops
   * reading keeps every event in this process's memory: 200 of them queued 121 MB in 2 minutes.
   */
  maxQueuedBytes?: number;
  /** Ping period; a connection that has not answered the previous ping by the next is dropped (default 15 s). */
  pingIntervalMs?: number;
  /** How long a slow connection is given to take its close frame before it is cut (default 1 s). */
  closeGraceMs?: number;
}

/** Counters of the WebSocket bridge. */
export interface WsBridgeStats {
  /** Requests rejected as malformed. */
  rejected: number;
  /** Connections dropped because their send queue passed the cap. */
  tooSlow: number;
  /** Connections dropped because they stopped answering pings. */
  pingTimeouts: number;
}

export interface WsBridgeComponents {
  handlers: BridgeHandlers;
  events: TypedEventTarget<BridgeEvents>;
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
  readonly #maxQueuedBytes: number;
  readonly #closeGraceMs: number;
  /** Connections that answered the last ping. */
  readonly #alive = new WeakSet<WebSocket>();
  readonly #pinger: NodeJS.Timeout;
  #rejected = 0;
  #tooSlow = 0;
  #pingTimeouts = 0;

  constructor(
    private readonly components: WsBridgeComponents,
    init: WsBridgeInit = {},
  ) {
    this.#maxQueuedBytes = init.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#closeGraceMs = init.closeGraceMs ?? 1000;
    for (const event of eventNames) {
      this.#unsubscribe.push(components.events.on(event, (payload) => this.broadcast(event, payload)));
    }
    this.#wss.on('connection', (socket) => this.#accept(socket));
    this.#pinger = setInterval(() => this.#ping(), init.pingIntervalMs ?? 15_000);
    this.#pinger.unref();
  }

  /** Requests rejected as malformed since start. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Counters since start. */
  stats(): WsBridgeStats {
    return { rejected: this.#rejected, tooSlow: this.#tooSlow, pingTimeouts: this.#pingTimeouts };
  }

  /** Takes over an HTTP upgrade request from an authenticated `caller`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, caller: Caller): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new AbortController();
      ws.once('close', () => connection.abort());
      this.#callers.set(ws, { ...caller, connection: connection.signal });
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
      this.#send(client, frame);
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
    clearInterval(this.#pinger);
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }

  #accept(socket: WebSocket): void {
    this.components.onClients?.(this.#wss.clients.size);
    socket.on('close', () => this.components.onClients?.(this.#wss.clients.size));
    socket.on('error', () => socket.terminate());
    this.#alive.add(socket);
    socket.on('pong', () => this.#alive.add(socket));
    socket.on('message', (data, isBinary) => {
      void this.#onFrame(socket, isBinary ? null : data.toString());
    });
  }

  async #onFrame(socket: WebSocket, text: string | null): Promise<void> {
    let id: unknown = null;
    try {
      if (text === null) throw new BridgeError('binary frames are not accepted');
      const frame = parseJson(text, requestFrame);
      if (!frame.ok && frame.error.kind === 'not-json') throw new BridgeError('frame is not JSON');
      if (!frame.ok) throw new BridgeError(`bad frame: ${frame.error.detail}`);
      const { id: frameId, channel, payload } = frame.value;
      id = frameId;
      const caller = this.#callers.get(socket);
      if (!caller) throw new Error('connection is not authenticated');
      const value = await dispatchRequest(this.components.handlers, channel, payload, caller);
      this.#send(socket, JSON.stringify({ id, ok: true, value: value ?? null }));
    } catch (error) {
      if (error instanceof BridgeError) this.#rejected++;
      const message = error instanceof Error ? error.message : String(error);
      this.#send(socket, JSON.stringify({ id, ok: false, error: message }));
    }
  }

  /** Queues a frame, or drops the connection when its queue is over the cap. */
  #send(socket: WebSocket, frame: string): void {
    if (socket.readyState !== socket.OPEN) return;
    // `bufferedAmount` is what ws and the socket hold unsent: it only grows while the peer does not read.
    if (socket.bufferedAmount + frame.length > this.#maxQueuedBytes) {
      this.#tooSlow++;
      this.#drop(socket, WS_CLOSE_TOO_SLOW, `too slow: over ${this.#maxQueuedBytes} bytes queued`);
      return;
    }
    socket.send(frame);
  }

  /** Closes a connection with a code saying why, and cuts it if it does not take the close frame. */
  #drop(socket: WebSocket, code: number, reason: string): void {
    socket.close(code, reason);
    // The close frame waits behind what is queued; a window that reads nothing never takes it.
    setTimeout(() => socket.terminate(), this.#closeGraceMs).unref();
  }

  /** Pings every connection, cutting those that did not answer the previous ping. */
  #ping(): void {
    for (const client of this.#wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (!this.#alive.has(client)) {
        this.#pingTimeouts++;
        this.#drop(client, WS_CLOSE_PING_TIMEOUT, 'ping timeout');
        continue;
      }
      this.#alive.delete(client);
      client.ping();
    }
  }
}
