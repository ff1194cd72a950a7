/** The bridge over WebSocket, used when the renderer is served by a headless peer instead of running inside Electron. */
import type {
  BridgeEvents,
  EventName,
  RequestChannel,
  RequestOf,
  ResponseOf,
} from '../../shared/bridge/contract';
import type { BridgeTransport } from '../../shared/bridge/api';
import { TypedEventTarget } from '../../shared/events';
import { consoleLogger } from '../console-logger';
import { bridgeProtocols } from './auth';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A bridge transport over one WebSocket that reconnects when the peer restarts. */
export class WebSocketTransport implements BridgeTransport {
  #socket: WebSocket | null = null;
  #open: Promise<WebSocket> | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** A listener that throws is reported on the console; the others still hear the event. */
  readonly #events = new TypedEventTarget<BridgeEvents>(consoleLogger.forComponent('firefly:bridge'));

  constructor(private readonly url: string) {}

  invoke<C extends RequestChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    return this.#connect().then(
      (socket) =>
        new Promise<ResponseOf<C>>((resolve, reject) => {
          const id = this.#nextId++;
          this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
          socket.send(JSON.stringify({ id, channel, payload: request ?? null }));
        }),
    );
  }

  on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
    const off = this.#events.on(event, listener);
    void this.#connect().catch(() => undefined);
    return off;
  }

  #connect(): Promise<WebSocket> {
    if (this.#open) return this.#open;
    this.#open = new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.url, bridgeProtocols());
      socket.onopen = () => {
        this.#socket = socket;
        resolve(socket);
      };
      socket.onmessage = (message) => this.#onMessage(String(message.data));
      socket.onclose = () => {
        this.#socket = null;
        this.#open = null;
        for (const pending of this.#pending.values())
          pending.reject(new Error('connection to the peer closed'));
        this.#pending.clear();
        reject(new Error('could not reach the peer'));
        // Keep listening for events across a peer restart.
        if (this.#events.hasListeners()) setTimeout(() => void this.#connect().catch(() => undefined), 1000);
      };
    });
    return this.#open;
  }

  #onMessage(text: string): void {
    let frame: {
      id?: number;
      ok?: boolean;
      value?: unknown;
      error?: string;
      event?: EventName;
      payload?: unknown;
    };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    if (frame.event) {
      // The payload's shape is the peer's side of the contract (the same peer that served this page).
      this.#events.emit(frame.event, frame.payload as never);
      return;
    }
    if (typeof frame.id !== 'number') return;
    const pending = this.#pending.get(frame.id);
    if (!pending) return;
    this.#pending.delete(frame.id);
    if (frame.ok) pending.resolve(frame.value ?? undefined);
    else pending.reject(new Error(frame.error ?? 'request failed'));
  }

  /** Closes the connection. */
  close(): void {
    this.#events.clear();
    this.#socket?.close();
  }
}
