/**
 * Reads a track's bytes by HTTP range requests (`Range: bytes=a-b`, answered 206), for mediabunny's
 * custom source: only the ranges the demuxer asks for, so memory and traffic follow the play head,
 * not the file's length. A server that ignores ranges (200 with the whole body) is read once and
 * kept. A 503 means "not here yet" (a track still arriving from other peers): the read waits and
 * asks again. Any other failure is an error that names the status.
 *
 * The first request asks for the file's head (`headBytes`, 512 KiB by default) and keeps it: opening a
 * track reads its size, container header, tags and gapless info from there, in one round trip instead
 * of five (each costs 10–60 ms through the browser when a play command keeps the machine busy). The
 * probe's decode of the first seconds reads from it too: mediabunny's reads (padded to 64 KiB) ran to
 * 256 KiB into a 128 kbit/s MP3 before its first 1.5 s were decoded, which with a 128 KiB head cost two
 * more round trips (30-300 ms each under load, plus the wait for chunks on a peer that fetches the
 * track) before the track was ready to start (`e2e/probe-reads.e2e.ts`).
 */

/** A failed read of a track's bytes. */
export class MediaReadError extends Error {
  override name = 'MediaReadError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** Options of a reader; each has a default. */
export interface RangeReaderInit {
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Longest a read waits for bytes that have not arrived yet (503), in all (ms). */
  arrivalTimeoutMs?: number;
  /** Wait between asks when the server gives no Retry-After (ms). */
  retryMs?: number;
  /** Bytes of the file's head fetched by the first request and kept. */
  headBytes?: number;
}

/** Byte-range access to one URL. */
export class RangeReader {
  private readonly headers: Record<string, string>;
  private readonly fetchFn: typeof fetch;
  private readonly arrivalTimeoutMs: number;
  private readonly retryMs: number;
  private sizeBytes: number | null = null;
  private whole: Uint8Array | null = null;
  private readonly headBytes: number;
  /** The file's head, once fetched (see `headBytes`). */
  private head: Promise<Uint8Array> | null = null;
  /** Bytes fetched so far, in all (for diagnostics and the benchmark). */
  bytesRead = 0;

  constructor(
    readonly url: string,
    init: RangeReaderInit = {},
  ) {
    this.headers = init.headers ?? {};
    this.fetchFn = init.fetch ?? ((input, requestInit) => fetch(input, requestInit));
    this.arrivalTimeoutMs = init.arrivalTimeoutMs ?? 30_000;
    this.retryMs = init.retryMs ?? 200;
    this.headBytes = Math.max(1, init.headBytes ?? 512 * 1024);
  }

  /** The file's size in bytes (a range answer states the total; the first one fetches the head). */
  async size(): Promise<number> {
    if (this.sizeBytes !== null) return this.sizeBytes;
    await this.fetchHead();
    return this.sizeBytes!;
  }

  /** Bytes [start, end) of the file. */
  async read(start: number, end: number): Promise<Uint8Array> {
    if (this.whole) return this.whole.subarray(start, end);
    if (end <= this.headBytes) {
      const head = await this.fetchHead();
      if (end <= head.length || (this.sizeBytes !== null && head.length === this.sizeBytes))
        return head.subarray(start, end);
    }
    return this.fetchRange(start, end);
  }

  /** The file's head, fetched once (a failed fetch is asked again by the next read). */
  private fetchHead(): Promise<Uint8Array> {
    if (!this.head) {
      this.head = this.fetchRange(0, this.headBytes);
      this.head.catch(() => (this.head = null));
    }
    return this.head;
  }

  private async fetchRange(start: number, end: number): Promise<Uint8Array> {
    const deadline = Date.now() + this.arrivalTimeoutMs;
    for (;;) {
      let response: Response;
      try {
        response = await this.fetchFn(this.url, {
          headers: { ...this.headers, range: `bytes=${start}-${end - 1}` },
        });
      } catch (cause) {
        throw new MediaReadError(`could not fetch ${this.url}: ${String(cause)}`, null);
      }
      if (response.status === 503 && Date.now() < deadline) {
        // Not here yet: the track is still arriving.
        await response.body?.cancel();
        const after = Number(response.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, after > 0 ? Math.min(after * 1000, 2000) : this.retryMs));
        continue;
      }
      if (response.status === 206) {
        const total = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
        if (total) this.sizeBytes = Number(total[1]);
        const bytes = new Uint8Array(await response.arrayBuffer());
        this.bytesRead += bytes.length;
        if (bytes.length !== Math.min(end, this.sizeBytes ?? end) - start)
          throw new MediaReadError(
            `short range answer from ${this.url}: ${bytes.length} bytes for ${start}-${end - 1}`,
            206,
          );
        return bytes;
      }
      if (response.status === 200) {
        // No range support: the whole file, once.
        const whole = new Uint8Array(await response.arrayBuffer());
        this.bytesRead += whole.length;
        this.whole = whole;
        this.sizeBytes = whole.length;
        return whole.subarray(start, end);
      }
      await response.body?.cancel();
      throw new MediaReadError(`HTTP ${response.status} reading ${this.url}`, response.status);
    }
  }
}
