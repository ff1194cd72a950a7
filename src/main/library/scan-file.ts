/**
 * The per-file work of a scan, shared by the worker threads and the in-thread path: read the file
 * once, take its tags from those bytes, split them into content-defined chunks and name each by
 * SHA-256. No database access here, so it runs in any thread.
 *
 * Files up to `wholeFileMaxBytes` are read whole into a reused buffer (fresh multi-megabyte
 * allocations cost more than the read itself); bigger ones are streamed through the chunker and
 * their tags parsed from the file, so memory stays bounded.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Chunker, chunkBoundaries } from '../../shared/chunking/fastcdc';
import { trackIdFromChunkIds } from '../../shared/chunking/ids';
import type { ChunkRef } from '../../shared/library/types';
import { audioMetaFromBytes, readAudioMeta, type AudioMeta } from './metadata';

/** What one file turned out to be. Plain data, so it crosses a worker boundary as is. */
export type FileAnalysis =
  | {
      kind: 'track';
      meta: AudioMeta;
      chunks: ChunkRef[];
      trackId: string;
      coverHash: string | null;
      bytesRead: number;
    }
  /** Not accepted as audio, or unreadable; `reason` is shown to the user. */
  | { kind: 'skipped'; reason: string }
  /** Its size differed from the listing's while it was read: being written, look again later. */
  | { kind: 'changed'; bytesRead: number };

/** Options of `analyzeFile`. */
export interface AnalyzeOptions {
  /** Larger files are streamed instead of read whole (default 64 MiB). */
  wholeFileMaxBytes?: number;
  /** Read size of the streaming path (default 1 MiB). */
  readSizeBytes?: number;
  scratch?: ScratchBuffer;
  signal?: AbortSignal;
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** An error's message (or the thrown value as text), for logs and skip reasons. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A read buffer kept between files; one per thread of work (it must not be shared by two reads at once). */
export class ScratchBuffer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly keepBytes: number;

  /** Buffers up to `keepBytes` are kept for the next file; bigger ones are dropped after use. */
  constructor(keepBytes = 32 * 1024 * 1024) {
    this.keepBytes = keepBytes;
  }

  /** A buffer of at least `sizeBytes` (contents undefined). */
  take(sizeBytes: number): Buffer {
    if (this.buffer.length >= sizeBytes) return this.buffer;
    const grown = Buffer.allocUnsafeSlow(
      Math.max(sizeBytes, Math.min(this.keepBytes, this.buffer.length * 2)),
    );
    if (grown.length <= this.keepBytes) this.buffer = grown;
    return grown;
  }
}

/** Chunks of a buffer holding a whole file, and its track id. */
export const chunkBytes = (bytes: Uint8Array): { chunks: ChunkRef[]; trackId: string } => {
  const chunks: ChunkRef[] = [];
  let offset = 0;
  for (const end of chunkBoundaries(bytes)) {
    chunks.push({
      index: chunks.length,
      chunkId: sha256Hex(bytes.subarray(offset, end)),
      offsetBytes: offset,
      lengthBytes: end - offset,
    });
    offset = end;
  }
  return {
    chunks,
    trackId: trackIdFromChunkIds(
      chunks.map((c) => c.chunkId),
      sha256Hex,
    ),
  };
};

/** Splits a file into chunks while streaming it once; returns the chunk list and track id. */
export const hashFile = async (
  path: string,
  options: { readSizeBytes?: number; signal?: AbortSignal } = {},
): Promise<{ chunks: ChunkRef[]; trackId: string; bytesRead: number }> => {
  const chunker = new Chunker();
  const chunks: ChunkRef[] = [];
  const onChunk = (span: { offset: number; length: number }, bytes: Uint8Array) => {
    chunks.push({
      index: chunks.length,
      chunkId: sha256Hex(bytes),
      offsetBytes: span.offset,
      lengthBytes: span.length,
    });
  };
  const stream = createReadStream(path, {
    highWaterMark: options.readSizeBytes ?? 1024 * 1024,
    signal: options.signal,
  });
  for await (const piece of stream as AsyncIterable<Buffer>) chunker.push(piece, onChunk);
  chunker.finish(onChunk);
  return {
    chunks,
    trackId: trackIdFromChunkIds(
      chunks.map((c) => c.chunkId),
      sha256Hex,
    ),
    bytesRead: chunker.bytesIn,
  };
};

/**
 * Reads `file.sizeBytes` bytes plus one (to see growth) into `into`; returns how many there were.
 */
const readWhole = async (path: string, into: Buffer, sizeBytes: number): Promise<number> => {
  const handle = await open(path, 'r');
  try {
    let got = 0;
    while (got <= sizeBytes) {
      const { bytesRead } = await handle.read(into, got, sizeBytes + 1 - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  } finally {
    await handle.close();
  }
};

const analyzeStreamed = async (
  file: { path: string; sizeBytes: number },
  options: AnalyzeOptions,
): Promise<FileAnalysis> => {
  const meta = await readAudioMeta(file.path, file.sizeBytes);
  if (!meta.ok) return { kind: 'skipped', reason: meta.error };
  let hashed;
  try {
    hashed = await hashFile(file.path, { readSizeBytes: options.readSizeBytes, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { kind: 'skipped', reason: `unreadable: ${errorText(error)}` };
  }
  if (hashed.bytesRead !== file.sizeBytes) return { kind: 'changed', bytesRead: hashed.bytesRead };
  return { kind: 'track', meta: meta.value, ...hashed, coverHash: coverHash(meta.value) };
};

const coverHash = (meta: AudioMeta): string | null => (meta.cover ? sha256Hex(meta.cover.bytes) : null);

/** Reads, tags and chunks one file. Never throws for a bad file (only when `signal` fired). */
export const analyzeFile = async (
  file: { path: string; sizeBytes: number },
  options: AnalyzeOptions = {},
): Promise<FileAnalysis> => {
  if (file.sizeBytes > (options.wholeFileMaxBytes ?? 64 * 1024 * 1024)) return analyzeStreamed(file, options);
  const into = (options.scratch ?? new ScratchBuffer(0)).take(file.sizeBytes + 1);
  let got: number;
  try {
    got = await readWhole(file.path, into, file.sizeBytes);
  } catch (error) {
    options.signal?.throwIfAborted();
    return { kind: 'skipped', reason: `unreadable: ${errorText(error)}` };
  }
  options.signal?.throwIfAborted();
  if (got !== file.sizeBytes) return { kind: 'changed', bytesRead: got };
  const bytes = into.subarray(0, got);
  const meta = await audioMetaFromBytes(file.path, bytes);
  if (!meta.ok) return { kind: 'skipped', reason: meta.error };
  return {
    kind: 'track',
    meta: meta.value,
    ...chunkBytes(bytes),
    coverHash: coverHash(meta.value),
    bytesRead: got,
  };
};
