/**
 * Answering clock probes: every peer serves them, stamping each reply with its group time at the
 * moment the probe's bytes arrived (t2) and at the reply (t3), and with how far its group time may
 * be from the timeline. The first malformed or oversized frame ends the stream and strikes its peer.
 */
import { lpStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import { MAX_CLOCK_FRAME_BYTES, decodeProbe, encodeReply } from '../../shared/clock/probe-codec';
import type { Logger } from '../../shared/logger';
import { MalformedInputError, type StreamGuard } from '../net/stream-guard';
import { FRAME_LENGTH_ERRORS, closeQuietly } from '../swarm/stream-util';
import type { ClockSyncStats } from './clock-types';
import type { TimeSource } from './time-source';

/** What serving probes needs from ClockSync. */
export interface ProbeServerComponents {
  time: TimeSource;
  log: Logger;
  guard: StreamGuard;
  /** ClockSync's counters, which this adds to. */
  stats: ClockSyncStats;
  /** Group time at a reading of the time source. */
  groupTimeAt(localMs: number): number;
  /** How far the served group time may be from the timeline (0 when this peer leads). */
  serverErrorMs(localMs: number): number;
  isLeader(): boolean;
}

/** Answers the probes on one stream until it ends or `signal` aborts. */
export async function serveProbes(
  c: ProbeServerComponents,
  stream: Stream,
  connection: Connection,
  signal: AbortSignal,
): Promise<void> {
  // Registered before lpStream's own listener, so it reads the clock when the bytes arrive,
  // not after the frame has been parsed: a read that resolves has arrived at or after this.
  let arrivedLocalMs: number | null = null;
  // The listener hangs off this stream's own signal: on the service's long-lived one, every
  // stream ever served would stay referenced until stop.
  const served = new AbortController();
  let malformed: Error | null = null;
  stream.addEventListener('message', () => (arrivedLocalMs = c.time.nowMs()), {
    signal: served.signal,
  });
  const lp = lpStream(stream, { maxDataLength: MAX_CLOCK_FRAME_BYTES });
  try {
    while (!signal.aborted) {
      let frame;
      try {
        frame = await lp.read({ signal });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
          c.stats.dropped.oversizedFrames++;
          malformed = e;
        }
        return;
      }
      // t2 and t3 are taken in one synchronous block so the estimate cannot change between them.
      const localT2 = arrivedLocalMs ?? c.time.nowMs();
      const probe = decodeProbe(frame.subarray());
      if (!probe.ok) {
        // The first bad frame ends the stream, as on every other protocol: skipping it and
        // reading on let a stream of zero bytes cost one decode per byte (5 MiB: 10 s of CPU).
        c.stats.dropped.malformedProbes++;
        malformed = new MalformedInputError(probe.error);
        return;
      }
      const localT3 = c.time.nowMs();
      const reply = encodeReply({
        seq: probe.value.seq,
        t1: probe.value.t1,
        t2: c.groupTimeAt(localT2),
        t3: c.groupTimeAt(localT3),
        serverErrorMs: c.serverErrorMs(localT3),
        authoritative: c.isLeader(),
      });
      c.stats.probesServed++;
      await lp.write(reply, { signal });
    }
  } catch (e) {
    if (!signal.aborted) c.log(`probe stream ended: ${String(e)}`);
  } finally {
    served.abort();
    if (malformed) {
      c.guard.strike(connection.remotePeer.toString());
      // Reset, not a graceful close: nothing more from this stream is worth reading.
      stream.abort(malformed);
    } else {
      await closeQuietly(stream);
    }
  }
}
