/**
 * Names of chunks and tracks.
 *
 * - chunk id: lowercase hex SHA-256 of the chunk's bytes (64 characters).
 * - track id: lowercase hex SHA-256 of the concatenation of the raw 32-byte digests of the track's
 *   chunks, in file order: `hex(SHA-256(d0 ‖ d1 ‖ … ‖ dn-1))`. So a track id names the exact bytes of
 *   the file, and anyone holding the chunk list can check it. A file with no bytes has no chunks and
 *   the id `hex(SHA-256(""))`.
 *
 * Hashing itself is not done here (this layer has no crypto); callers pass a SHA-256 function.
 */

/** A SHA-256 over bytes returning lowercase hex; main passes node:crypto, tests may pass anything real. */
export type Sha256Hex = (bytes: Uint8Array) => string;

const HEX64 = /^[0-9a-f]{64}$/;

/** Whether `value` is a well-formed chunk or track id (64 lowercase hex digits). */
export const isContentId = (value: unknown): value is string =>
  typeof value === 'string' && HEX64.test(value);

/** The raw bytes of a lowercase hex string of even length; throws on anything else. */
export const hexToBytes = (hex: string): Uint8Array => {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new RangeError('not lowercase hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
};

/** The track id of a file whose chunks have these ids, in order (see the module comment). */
export const trackIdFromChunkIds = (chunkIds: readonly string[], sha256: Sha256Hex): string => {
  const digests = new Uint8Array(chunkIds.length * 32);
  chunkIds.forEach((id, i) => {
    if (!isContentId(id)) throw new RangeError(`bad chunk id at ${i}`);
    digests.set(hexToBytes(id), i * 32);
  });
  return sha256(digests);
};
