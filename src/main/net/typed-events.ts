/** An EventTarget whose event names and `detail` types are checked by the compiler. */
export class TypedEventTarget<EventMap extends Record<string, unknown>> extends EventTarget {
  /** Adds a listener for one named event; a listener that throws is reported as a warning, never crashing the emitter. */
  on<K extends keyof EventMap & string>(
    type: K,
    listener: (detail: EventMap[K]) => void,
    options?: { signal?: AbortSignal },
  ): void {
    this.addEventListener(
      type,
      (event) => {
        // Node turns an exception thrown by an EventTarget listener into an uncaught exception.
        try {
          listener((event as CustomEvent<EventMap[K]>).detail);
        } catch (error) {
          process.emitWarning(`listener for ${type} threw: ${(error as Error).message}`);
        }
      },
      options,
    );
  }

  /** Dispatches one named event to its listeners. */
  emit<K extends keyof EventMap & string>(type: K, detail: EventMap[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
