/** Small helpers shared by the swarm's stream protocols. */
import { randomBytes } from 'node:crypto';
import type { Libp2p, Stream } from '@libp2p/interface';
import type { PeerNode } from '../net/node';

/** The part of a PeerNode the swarm services use; a PeerNode satisfies it. */
export type SwarmNode = Pick<PeerNode, 'peerId' | 'protocolId' | 'connectedPeers' | 'on'> & {
  readonly libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>;
};

/** Closes a stream, aborting it when a graceful close does not finish in time. */
export async function closeQuietly(stream: Stream): Promise<void> {
  try {
    await stream.close({ signal: AbortSignal.timeout(500) });
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
  }
}

/** A random lowercase hex string of `bytes` bytes. */
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Names of the errors lpStream raises for an oversized or malformed length prefix. */
export const FRAME_LENGTH_ERRORS: ReadonlySet<string> = new Set([
  'InvalidDataLengthError',
  'InvalidDataLengthLengthError',
  'InvalidMessageLengthError',
]);

/** Adds one to a named counter. */
export const bump = (counters: Record<string, number>, key: string): void => {
  counters[key] = (counters[key] ?? 0) + 1;
};
