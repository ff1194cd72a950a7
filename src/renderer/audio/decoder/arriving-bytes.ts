/**
 * A response body kept as it arrives, for the range reader's head: a read of bytes that are here answers at
 * once, a read of bytes still on their way waits for just them. Opening a track reads its first few KiB
 * (container header, tags, gapless info) and the probe's decode its first tens of KiB, so they need not
 * wait for the whole 512 KiB head: on a loaded machine its transfer took 40-60 ms after the answer's
 * headers, and on a peer that fetches the track the head's last chunks arrive well after its first.
 */

/** A read that waits for bytes [0, end). */
interface Waiter {
  end: number;
  resolve(): void;
  reject(error: Error): void;
}

/** A body of a known `length` filled piece by piece; see the file comment. */
export class ArrivingBytes {
  readonly bytes: Uint8Array;
  #received = 0;
  #failure: Error | null = null;
  #waiters: Waiter[] = [];

  constructor(readonly length: number) {
    this.bytes = new Uint8Array(length);
  }

  /** Whether the body failed (reads past what is here fail). */
  get failed(): boolean {
    return this.#failure !== null;
  }

  /** Bytes here so far (from the start). */
  get received(): number {
    return this.#received;
  }

  /** Appends the next piece; a piece past `length` fails the body (`tooLong` says why). */
  push(piece: Uint8Array, tooLong: () => Error): void {
    if (this.#failure) return;
    if (this.#received + piece.length > this.length) return this.fail(tooLong());
    this.bytes.set(piece, this.#received);
    this.#received += piece.length;
    this.#settle();
  }

  /** The body ended; if it is short, the reads still waiting fail with `short()`. */
  end(short: () => Error): void {
    if (this.#received < this.length) this.fail(short());
  }

  /** The body cannot be read further: every read still waiting fails with `error`, and any later one. */
  fail(error: Error): void {
    this.#failure ??= error;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) w.reject(this.#failure);
  }

  /** Resolves once bytes [0, min(end, length)) are here; rejects if the body fails first. */
  until(end: number): Promise<void> {
    const need = Math.min(end, this.length);
    if (this.#received >= need) return Promise.resolve();
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#waiters.push({ end: need, resolve, reject }));
  }

  #settle(): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) {
      if (this.#received >= w.end) w.resolve();
      else this.#waiters.push(w);
    }
  }
}

/** Reads `body` into `into` piece by piece; read errors and a short or long body fail it (with `error(text)`). */
export async function fillFrom(
  into: ArrivingBytes,
  body: ReadableStream<Uint8Array> | null,
  error: (text: string) => Error,
  counted: (bytes: number) => void = () => undefined,
): Promise<void> {
  const tooLong = () => error(`longer answer than the ${into.length} bytes asked for`);
  const short = () => error(`short answer: ${into.received} of ${into.length} bytes`);
  if (!body) return into.end(short);
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      into.push(value, tooLong);
      counted(value.length);
      if (into.failed) {
        await reader.cancel();
        return;
      }
    }
    into.end(short);
  } catch (cause) {
    into.fail(error(`reading the answer failed: ${String(cause)}`));
  } finally {
    reader.releaseLock();
  }
}
