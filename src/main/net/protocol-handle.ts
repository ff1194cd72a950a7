/**
 * One stream protocol answered while started. `start` registers a handler, wrapped by the peer's
 * `StreamGuard` (a benched peer's streams are reset before a byte is read), that serves each stream
 * with the signal of this start; `stop` fires that signal (every open stream of the protocol ends)
 * and unregisters the protocol. The servers of the clock, catalog, chunk, live-stream and cover
 * protocols each hold one, so the start/stop pair and its idempotence live here once.
 */
import type { Connection, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface';
import type { StreamGuard } from './stream-guard';

/** The part of a libp2p node that registers protocol handlers. */
export interface ProtocolRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>;
  unhandle(protocol: string): Promise<void>;
}

/** Serves one inbound stream; `signal` fires when the protocol is stopped. */
export type ProtocolServe = (
  stream: Stream,
  connection: Connection,
  signal: AbortSignal,
) => void | Promise<void>;

export interface ProtocolHandleInit {
  protocol: string;
  guard: StreamGuard;
  serve: ProtocolServe;
  /** Streams per connection, each way (libp2p's `maxInboundStreams` / `maxOutboundStreams`). */
  maxInboundStreams: number;
  maxOutboundStreams: number;
  /** Told when unregistering fails on stop (the node may already be stopping); silent by default. */
  onUnhandleError?: (error: unknown) => void;
}

export class ProtocolHandle {
  readonly protocol: string;
  readonly #registrar: ProtocolRegistrar;
  readonly #init: ProtocolHandleInit;
  #controller: AbortController | null = null;

  constructor(registrar: ProtocolRegistrar, init: ProtocolHandleInit) {
    this.#registrar = registrar;
    this.#init = init;
    this.protocol = init.protocol;
  }

  /** The signal of the current start, or null while stopped. */
  get signal(): AbortSignal | null {
    return this.#controller?.signal ?? null;
  }

  get started(): boolean {
    return this.#controller !== null;
  }

  /**
   * Registers the handler. Returns this start's signal (fired by `stop`), or null if already started, so
   * a caller sets up what goes with the protocol only once.
   */
  async start(): Promise<AbortSignal | null> {
    if (this.#controller) return null;
    const controller = new AbortController();
    this.#controller = controller;
    const { guard, serve, maxInboundStreams, maxOutboundStreams } = this.#init;
    await this.#registrar.handle(
      this.protocol,
      guard.wrap((stream, connection) => serve(stream, connection, controller.signal)),
      { maxInboundStreams, maxOutboundStreams },
    );
    return controller.signal;
  }

  /** Ends every open stream and unregisters. Returns false if it was not started. */
  async stop(): Promise<boolean> {
    const controller = this.#controller;
    if (!controller) return false;
    this.#controller = null;
    controller.abort();
    await this.#registrar.unhandle(this.protocol).catch(this.#init.onUnhandleError ?? (() => undefined));
    return true;
  }
}
