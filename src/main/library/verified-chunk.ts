/**
 * A chunk's bytes and their check: bytes given whole or in the parts they came off the network in,
 * their SHA-256 (a chunk's id), and `VerifiedChunk`, the only kind of chunk the store takes, which
 * only `verifyChunk` makes. Apart from the store (`chunk-store.ts`) because the fetcher checks a
 * chunk the moment it arrives, before the store sees it.
 */
import { createHash } from 'node:crypto';
import { isContentId } from '../../shared/chunking/ids';

/** Thrown by `verifyChunk` when the bytes do not hash to the id they were offered under. */
export class ChunkHashMismatchError extends Error {
  override readonly name = 'ChunkHashMismatchError';
  constructor(
    readonly chunkId: string,
    readonly actual: string,
  ) {
    super(`bytes offered as ${chunkId} hash to ${actual}`);
  }
}

declare const verified: unique symbol;

/** Bytes whose SHA-256 is their chunk id. Only `verifyChunk` makes one, so the store holds nothing unchecked. */
export interface VerifiedChunk {
  readonly chunkId: string;
  readonly bytes: ChunkBytes;
  readonly [verified]: true;
}

/** Checks that `bytes` hash to `chunkId` (a content id); throws `ChunkHashMismatchError` if not. */
export function verifyChunk(chunkId: string, bytes: ChunkBytes): VerifiedChunk {
  if (!isContentId(chunkId)) throw new ChunkHashMismatchError(chunkId, 'not a content id');
  const actual = sha256HexOf(bytes);
  if (actual !== chunkId) throw new ChunkHashMismatchError(chunkId, actual);
  return { chunkId, bytes } as VerifiedChunk;
}

/** Lowercase hex SHA-256 of `bytes`. */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Bytes of a chunk as one buffer or as consecutive parts (as they came off the network). */
export type ChunkBytes = Uint8Array | readonly Uint8Array[];

/** Lowercase hex SHA-256 of a chunk given whole or in parts. */
export const sha256HexOf = (bytes: ChunkBytes): string => {
  if (bytes instanceof Uint8Array) return sha256Hex(bytes);
  const hash = createHash('sha256');
  for (const part of bytes) hash.update(part);
  return hash.digest('hex');
};

/** Length in bytes of a chunk given whole or in parts. */
export const chunkLength = (bytes: ChunkBytes): number => {
  if (bytes instanceof Uint8Array) return bytes.length;
  let length = 0;
  for (const part of bytes) length += part.length;
  return length;
};
