/** An EventTarget whose event names and `detail` types are checked by the compiler. */
export class TypedEventTarget<EventMap extends Record<string, unknown>> extends EventTarget {
  /** Adds a listener for one named event. */
  on<K extends keyof EventMap & string>(
    type: K,
    listener: (detail: EventMap[K]) => void,
    options?: { signal?: AbortSignal },
  ): void {
    this.addEventListener(type, (event) => listener((event as CustomEvent<EventMap[K]>).detail), options);
  }

  /** Dispatches one named event; a throwing listener is reported, not propagated to the caller. */
  emit<K extends keyof EventMap & string>(type: K, detail: EventMap[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
