/**
 * A track that is still arriving from other peers, served as it comes: a byte range can be read once
 * the chunks that cover it are stored. The fetcher takes a played track from the front
 * (`STREAMING_PRIORITY`), so the start of a file is readable long before its end.
 */
import type { ChunkRef } from '../../shared/library/types';
import type { ByteRange } from '../http/range';

/** What the wait needs: the track's chunks, whether one is stored, and the fetcher's news. */
export interface ArrivalSource {
  chunks: readonly ChunkRef[];
  has(chunkId: string): boolean;
  /** Calls `listener` each time a chunk of the track is stored; stops when `signal` aborts. */
  onChunk(listener: () => void, signal: AbortSignal): void;
  /** Calls `listener` if the track's download fails. */
  onFailed(listener: () => void, signal: AbortSignal): void;
}

/** The chunk ids that hold bytes [start, end). */
export function chunksCovering(chunks: readonly ChunkRef[], { start, end }: ByteRange): string[] {
  return chunks
    .filter((c) => c.offsetBytes < end && c.offsetBytes + c.lengthBytes > start)
    .map((c) => c.chunkId);
}

/**
 * Where the stretch of stored bytes that holds byte `offset` ends (the end of the last stored chunk in a
 * row from the one holding `offset`); `offset` itself when that chunk is not stored yet.
 */
export function storedUntil(
  chunks: readonly ChunkRef[],
  has: (chunkId: string) => boolean,
  offset: number,
): number {
  let end = offset;
  for (const c of chunks) {
    const cEnd = c.offsetBytes + c.lengthBytes;
    if (cEnd <= end) continue;
    if (c.offsetBytes > end || !has(c.chunkId)) break;
    end = cEnd;
  }
  return end;
}

/**
 * Resolves true once every chunk of `range` is stored, false after `waitMs`, when the download
 * fails, or when `signal` aborts (the client went away).
 */
export function waitForRange(
  source: ArrivalSource,
  range: ByteRange,
  options: { signal: AbortSignal; waitMs: number },
): Promise<boolean> {
  const needed = chunksCovering(source.chunks, range);
  const missing = () => needed.some((id) => !source.has(id));
  if (!missing()) return Promise.resolve(true);
  if (options.signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = new AbortController();
    const finish = (arrived: boolean) => {
      if (done.signal.aborted) return;
      done.abort();
      clearTimeout(timer);
      resolve(arrived);
    };
    const timer = setTimeout(() => finish(false), options.waitMs);
    options.signal.addEventListener('abort', () => finish(false), { once: true, signal: done.signal });
    source.onChunk(() => {
      if (!missing()) finish(true);
    }, done.signal);
    source.onFailed(() => finish(false), done.signal);
  });
}
