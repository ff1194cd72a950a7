/**
 * The serving side of a one-request JSON stream protocol (the catalog, live covers): read one
 * length-prefixed request of at most `maxBytes`, decode and check it with its validator
 * (net/json-frame.ts), and let the service answer.
 * A request that is oversized or does not decode is counted (`oversizedRequest`, `malformedRequest`),
 * its stream aborted and its peer struck in the shared StreamGuard; any other stream is closed.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import type { Logger } from '../../shared/logger';
import type { Validator } from '../../shared/validate';
import { decodeJsonFrame } from '../net/json-frame';
import { MalformedInputError, type StreamGuard } from '../net/stream-guard';
import { FRAME_LENGTH_ERRORS, closeQuietly } from './stream-util';

/** How one request is read and answered. */
export interface OneRequest<T> {
  maxBytes: number;
  /** Ends the exchange (the service stops, or its time is up). */
  signal: AbortSignal;
  /** When the service stopped: failures after it are not logged. */
  stopped: AbortSignal;
  guard: StreamGuard;
  log: Logger;
  /** Counts a request set aside, by reason. */
  drop(reason: 'oversizedRequest' | 'malformedRequest'): void;
  validate: Validator<T>;
  answer(request: T, lp: LengthPrefixedStream): Promise<void>;
}

/** Reads, checks and answers the one request on `stream`; never throws. */
export async function answerOneRequest<T>(
  stream: Stream,
  connection: Connection,
  how: OneRequest<T>,
): Promise<void> {
  const peerId = connection.remotePeer.toString();
  let malformed: Error | null = null;
  try {
    const lp = lpStream(stream, { maxDataLength: how.maxBytes });
    let frame;
    try {
      frame = await lp.read({ signal: how.signal });
    } catch (e) {
      if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
        how.drop('oversizedRequest');
        malformed = e;
      }
      return;
    }
    const request = decodeJsonFrame(frame.subarray(), how.validate);
    if (!request.ok) {
      how.drop('malformedRequest');
      how.log(`dropped a request from ${peerId}: ${request.error.detail}`);
      malformed = new MalformedInputError(request.error.detail);
      return;
    }
    await how.answer(request.value, lp);
  } catch (e) {
    if (!how.stopped.aborted) how.log(`answering a request from ${peerId} failed: ${String(e)}`);
  } finally {
    if (malformed) {
      how.guard.strike(peerId);
      stream.abort(malformed);
    } else {
      await closeQuietly(stream);
    }
  }
}
