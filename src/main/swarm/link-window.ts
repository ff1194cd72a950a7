/**
 * How many bytes of chunk replies may be on their way from one peer at once. The room's control
 * messages (a released start, the clock probes' answers, gossip) share the connection with the chunks,
 * so every byte asked for ahead of them is a byte they queue behind. On a 4 MB/s link (a home Wi-Fi's
 * order of speed), eight requests of a track's 256 KiB head units put 2.2 MB in flight: the leader's
 * released start reached the fetching peer 449 ms after it was made, and that peer's speaker joined
 * 0.4 s into the track (`e2e/acoustic/peers-acoustic.e2e.ts`, the fetch-while-playing test).
 *
 * So the window keeps what is in flight to about `targetDelayMs` of the link's delivery rate, measured
 * from the replies while the link was busy: a control message then waits at most about that long. The
 * rate is the highest of the last few measurements over at least `sampleMs` each (a measurement taken
 * while fewer bytes were asked for than the link could carry reads low; the highest is the link's).
 * On loopback a lone peer's rate is tens of MB/s even on a busy 2-core machine (35 MB/s: a 2 MB window),
 * and with several peers the 256 KiB floor is what each was asked for at once before windows. The window
 * assumes a round trip shorter than the target, as on a home network: over a long-haul link it would cap
 * the throughput at about window / round trip. One request is always allowed, however large.
 */

/** Tuning of a link window. */
export interface LinkWindowOptions {
  /** Longest a reply should wait behind the ones asked before it (ms; default 60). */
  targetDelayMs?: number;
  /** The window never shrinks below this (bytes; default 256 KiB: four average chunks, what a peer among several was asked for at once before windows, or one head unit). */
  minBytes?: number;
  /** A delivery-rate measurement spans at least this long (ms; default 20). */
  sampleMs?: number;
  /** Measurements the rate is the highest of (default 8). */
  samples?: number;
}

/** One peer's window; see the file comment. */
export class LinkWindow {
  readonly #targetDelayMs: number;
  readonly #minBytes: number;
  readonly #sampleMs: number;
  readonly #keep: number;
  #inFlight = 0;
  /** Delivery rates measured (bytes per ms), newest last. */
  readonly #rates: number[] = [];
  /** The measurement under way: bytes delivered, and the time the link spent delivering them. */
  #sampleBytes = 0;
  #sampleBusyMs = 0;
  #lastDeliveryMs = -Infinity;

  constructor(options: LinkWindowOptions = {}) {
    this.#targetDelayMs = options.targetDelayMs ?? 60;
    this.#minBytes = options.minBytes ?? 256 * 1024;
    this.#sampleMs = options.sampleMs ?? 20;
    this.#keep = options.samples ?? 8;
  }

  /** Bytes asked for and not yet delivered or given up. */
  get inFlightBytes(): number {
    return this.#inFlight;
  }

  /** The link's delivery rate (bytes per second), or null before the first measurement. */
  get rateBytesPerSec(): number | null {
    return this.#rates.length ? this.#rate() * 1000 : null;
  }

  /** Bytes that may be in flight now. */
  limitBytes(): number {
    return Math.max(this.#minBytes, this.#rate() * this.#targetDelayMs);
  }

  /** Whether a request for `bytes` more may go now (always, when nothing is in flight). */
  allows(bytes: number): boolean {
    return this.#inFlight === 0 || this.#inFlight + bytes <= this.limitBytes();
  }

  /** A request for `bytes` went out. */
  sent(bytes: number): void {
    this.#inFlight += bytes;
  }

  /**
   * `bytes` of a reply to a request sent at `sentAtMs` arrived at `nowMs`. The time they took is counted
   * from the later of the request and the delivery before (replies queue behind each other), so the
   * link's idle gaps are not.
   */
  delivered(bytes: number, sentAtMs: number, nowMs: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - bytes);
    this.#sampleBusyMs += Math.max(0, nowMs - Math.max(sentAtMs, this.#lastDeliveryMs));
    this.#sampleBytes += bytes;
    this.#lastDeliveryMs = nowMs;
    if (this.#sampleBusyMs < this.#sampleMs) return;
    this.#rates.push(this.#sampleBytes / this.#sampleBusyMs);
    if (this.#rates.length > this.#keep) this.#rates.shift();
    this.#sampleBytes = 0;
    this.#sampleBusyMs = 0;
  }

  /** The link's delivery rate (bytes per ms): the highest measured lately, 0 before any. */
  #rate(): number {
    return this.#rates.length ? Math.max(...this.#rates) : 0;
  }

  /** `bytes` asked for will not come (a MISSING or BUSY reply, a failed request). */
  dropped(bytes: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - bytes);
  }
}
