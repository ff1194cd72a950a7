/**
 * A download's view of a partial holder (`chunk-fetcher.ts`): a WATCH on the chunk protocol, answered
 * with a bitmap of the chunks that peer holds and then the indices of each chunk it stores, kept in the
 * job (`download-job.ts`) until the stream ends.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { chunkLimits, decodeWatchReply, encodeWatch } from '../../shared/swarm/chunk-wire';
import { addToPartial, setPartial, type Job } from './download-job';
import { closeQuietly, type SwarmNode } from './stream-util';

export interface PartialWatchDeps {
  node: SwarmNode;
  protocol: string;
  /** Opening the stream fails after this (ms). */
  timeoutMs: number;
  /** What the peer holds changed: ask again. */
  changed(): void;
  /** A reply that breaks the protocol (the watch ends). */
  malformed(): void;
  log(message: string): void;
}

/** Watches `peerId`'s copy of the job's track until the job ends, the peer says it has none, or the stream fails. */
export async function watchPartialHolder(job: Job, peerId: string, deps: PartialWatchDeps): Promise<void> {
  const { signal } = job.controller;
  let stream: Stream | null = null;
  try {
    stream = await deps.node.libp2p.dialProtocol(peerIdFromString(peerId), deps.protocol, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]),
    });
    const lp = lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes });
    await lp.write(encodeWatch(job.trackId), { signal });
    for (;;) {
      const frame = await lp.read({ signal });
      const reply = decodeWatchReply(frame.subarray(), job.totalChunks);
      if (!reply.ok) {
        deps.malformed();
        return;
      }
      const r = reply.value;
      if (r.status === 'unknown') return;
      if (r.status === 'bitmap') {
        setPartial(job, peerId, r.bitmap);
      } else if (!addToPartial(job, peerId, r.indices)) {
        deps.malformed();
        return;
      }
      deps.changed();
    }
  } catch (e) {
    if (!signal.aborted) deps.log(`watching ${peerId} ended: ${String(e)}`);
  } finally {
    if (stream) await closeQuietly(stream);
  }
}
