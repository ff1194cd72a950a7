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
 * track) before the track was ready to start (`e2e/probe-reads.e2e.ts`). A read inside the head is answered
 * as soon as its bytes are here (`arriving-bytes.ts`), not when the whole head is.
 */
import { ArrivingBytes, fillFrom } from './arriving-bytes';

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
  /** The file's head, once its answer's headers are in; its bytes are kept as they arrive (see `headBytes`). */
  private head: Promise<ArrivingBytes> | null = null;
  private headBody: ArrivingBytes | null = null;
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
    if (end <= this.headBytes && !this.whole) {
      const head = await this.fetchHead();
      if (!this.whole && (end <= head.length || head.length === this.sizeBytes)) {
        // Answered as soon as these bytes are here, not when the whole head is.
        await head.until(end);
        return head.bytes.subarray(start, end);
      }
    }
    if (this.whole) return this.whole.subarray(start, end);
    return this.fetchRange(start, end);
  }

  /** The file's head, asked for once (a failed fetch, or a body cut short, is asked again by the next read). */
  private fetchHead(): Promise<ArrivingBytes> {
    if (this.headBody?.failed) this.head = this.headBody = null;
    if (!this.head) {
      const head = this.openHead();
      this.head = head;
      head.catch(() => {
        if (this.head === head) this.head = null;
      });
    }
    return this.head;
  }

  /** Asks for the head; resolves with its headers, and fills it as its body arrives. */
  private async openHead(): Promise<ArrivingBytes> {
    const response = await this.request(0, this.headBytes);
    // No range support: every read is answered from the whole file.
    if (response.status === 200) {
      await this.keepWhole(response);
      return new ArrivingBytes(0);
    }
    const bytes = new ArrivingBytes(Math.min(this.headBytes, this.sizeBytes ?? this.headBytes));
    const failed = (text: string) => new MediaReadError(`${text} reading ${this.url}`, null);
    this.headBody = bytes;
    void fillFrom(bytes, response.body, failed, (n) => (this.bytesRead += n));
    return bytes;
  }

  private async fetchRange(start: number, end: number): Promise<Uint8Array> {
    const response = await this.request(start, end);
    if (response.status === 200) return (await this.keepWhole(response)).subarray(start, end);
    const bytes = new Uint8Array(await response.arrayBuffer());
    this.bytesRead += bytes.length;
    if (bytes.length !== Math.min(end, this.sizeBytes ?? end) - start)
      throw new MediaReadError(
        `short range answer from ${this.url}: ${bytes.length} bytes for ${start}-${end - 1}`,
        206,
      );
    return bytes;
  }

  /** A server without range support answered with the whole file: kept, and every read answered from it. */
  private async keepWhole(response: Response): Promise<Uint8Array> {
    const whole = new Uint8Array(await response.arrayBuffer());
    this.bytesRead += whole.length;
    this.whole = whole;
    this.sizeBytes = whole.length;
    return whole;
  }

  /** Asks for bytes [start, end) until they are there: a 206 (the size noted) or 200 answer, or a MediaReadError. */
  private async request(start: number, end: number): Promise<Response> {
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
        return response;
      }
      if (response.status === 200) return response;
      await response.body?.cancel();
      throw new MediaReadError(`HTTP ${response.status} reading ${this.url}`, response.status);
    }
  }
}
