type Listener = Parameters<EventTarget['addEventListener']>[1];
type ListenerOptions = Parameters<EventTarget['addEventListener']>[2];

/** An EventTarget whose event names and payloads are checked by the compiler. */
export class TypedEventTarget<EventMap extends object> {
  readonly #target = new EventTarget();

  /** Subscribes to one event; pass `{ signal }` to unsubscribe with an AbortController. */
  addEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: (event: CustomEvent<EventMap[K]>) => void,
    options?: ListenerOptions,
  ): void {
    this.#target.addEventListener(type, listener as Listener, options);
  }

  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: (event: CustomEvent<EventMap[K]>) => void,
  ): void {
    this.#target.removeEventListener(type, listener as Listener);
  }

  /** Dispatches an event with its payload as `detail`. */
  protected dispatch<K extends keyof EventMap & string>(type: K, detail: EventMap[K]): void {
    this.#target.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
