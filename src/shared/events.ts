/**
 * The one event base: `noun:verb` names mapped to payload types, listened to with
 * `on(type, listener, { signal })` (which also returns a remover) and raised with `emit(type, payload)`.
 * Runs anywhere (main, renderer, shared): no DOM or Node event classes underneath.
 */
import type { Logger } from './logger';

/** A listener for one event's payload. */
export type EventListener<T> = (payload: T) => void;

/** The part of an `AbortSignal` `on` uses (shared code sees neither the DOM's nor Node's type). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options for `on`: the listener is removed when `signal` aborts (never added if it already has). */
export interface ListenOptions {
  signal?: AbortSignalLike;
}

/** Events whose names and payload types are checked by the compiler. */
export class TypedEventTarget<EventMap extends object> {
  readonly #listeners = new Map<keyof EventMap, Set<EventListener<never>>>();
  readonly #log: Logger;
  #listenerErrors = 0;

  /** `log` reports a listener that throws; the emitter and the other listeners carry on. */
  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds a listener for one named event; returns a function that removes it. */
  on<K extends keyof EventMap & string>(
    type: K,
    listener: EventListener<EventMap[K]>,
    options: ListenOptions = {},
  ): () => void {
    const { signal } = options;
    if (signal?.aborted) return () => {};
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    // Wrapped so that adding one function twice gives two listeners, each removed on its own.
    const entry: EventListener<never> = (payload) => listener(payload as EventMap[K]);
    set.add(entry);
    const off = (): void => {
      set.delete(entry);
      signal?.removeEventListener('abort', off);
    };
    signal?.addEventListener('abort', off, { once: true });
    return off;
  }

  /** Calls every listener of one named event, in the order they were added. */
  emit<K extends keyof EventMap & string>(type: K, payload: EventMap[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const entry of [...set]) {
      // A listener removed by an earlier one during this emit is not called.
      if (!set.has(entry)) continue;
      try {
        (entry as EventListener<EventMap[K]>)(payload);
      } catch (error) {
        this.#listenerErrors++;
        this.#log.warn(
          `listener for ${type} threw: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Listeners that threw so far (each reported to the log). */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  /** Whether any listener is registered (for any event). */
  hasListeners(): boolean {
    for (const set of this.#listeners.values()) if (set.size > 0) return true;
    return false;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
