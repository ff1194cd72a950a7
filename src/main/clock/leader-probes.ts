/**
 * Probing the leader: a follower keeps one long-lived stream to it and sends rounds of probes (a
 * burst after joining, then faster while the drift is unknown, then periodic), keeping from each
 * round the sample with the lowest round-trip delay. A failed stream reconnects with backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type { PeerId, Stream } from '@libp2p/interface';
import type { ClockSample } from '../../shared/clock/estimator';
import { MAX_CLOCK_FRAME_BYTES, decodeReply, encodeProbe } from '../../shared/clock/probe-codec';
import type { Logger } from '../../shared/logger';
import { closeQuietly } from '../swarm/stream-util';
import type { ClockNode, ClockSyncStats } from './clock-types';
import type { TimeSource } from './time-source';

/** What probing needs from ClockSync. */
export interface LeaderProbesComponents {
  node: ClockNode;
  time: TimeSource;
  log: Logger;
  protocol: string;
  /** ClockSync's counters, which this adds to. */
  stats: ClockSyncStats;
  /** Takes the best sample of a round, with the server's own error bound. */
  accept(sample: ClockSample, serverErrorMs: number): void;
}

/** The probing schedule and timeouts (options of ClockSync); defaults are written once in `LeaderProbes`. */
export interface LeaderProbesInit {
  /** Probes sent quickly after joining or a leader change. */
  burstCount?: number;
  burstIntervalMs?: number;
  /** Probe period right after the burst, for `fastPhaseMs` after joining, while the drift is unknown. */
  fastIntervalMs?: number;
  fastPhaseMs?: number;
  /** Probe period after that. */
  periodicIntervalMs?: number;
  /**
   * Measured probes per round, sent back to back; only the one with the lowest round-trip delay
   * is kept (a minimum filter: on a jittery path it has the least queueing, so the least asymmetry).
   */
  probesPerRound?: number;
  /**
   * Probes sent back to back before each measured one, and discarded. After an idle period the
   * first probe's send and wake-up costs fall on the forward path only (measured on loopback:
   * ~450 µs round trip with ~100 µs asymmetry, against ~115 µs and ~1 µs for the next probe).
   */
  warmupProbes?: number;
  /** A reply slower than this tears the stream down and reconnects. */
  probeTimeoutMs?: number;
  dialTimeoutMs?: number;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/** Stale replies skipped while waiting for one probe's reply before the stream is dropped. */
const MAX_STALE_REPLIES = 4;

/** A clock server broke the protocol; the follower drops the stream and reconnects. */
export class ClockProtocolError extends Error {
  override readonly name = 'ClockProtocolError';
}

interface ProbeResult {
  sample: ClockSample;
  serverErrorMs: number;
}

function roundTripMs(s: ClockSample): number {
  return s.t4 - s.t1 - (s.t3 - s.t2);
}

/** Probes one leader after another, as ClockSync follows them. */
export class LeaderProbes {
  readonly #c: LeaderProbesComponents;
  readonly #init: Required<LeaderProbesInit>;
  #seq = 0;

  constructor(components: LeaderProbesComponents, init: LeaderProbesInit = {}) {
    this.#c = components;
    this.#init = {
      burstCount: init.burstCount ?? 16,
      burstIntervalMs: init.burstIntervalMs ?? 30,
      periodicIntervalMs: init.periodicIntervalMs ?? 1000,
      warmupProbes: init.warmupProbes ?? 1,
      probesPerRound: Math.max(1, init.probesPerRound ?? 3),
      fastIntervalMs: init.fastIntervalMs ?? 250,
      fastPhaseMs: init.fastPhaseMs ?? 30_000,
      probeTimeoutMs: init.probeTimeoutMs ?? 2000,
      dialTimeoutMs: init.dialTimeoutMs ?? 5000,
      reconnectDelayMs: init.reconnectDelayMs ?? 250,
      maxReconnectDelayMs: init.maxReconnectDelayMs ?? 5000,
    };
  }

  /** Probes `leader` until `signal` aborts, reconnecting with backoff. */
  async follow(leader: PeerId, signal: AbortSignal): Promise<void> {
    const { node, time, stats, log } = this.#c;
    const init = this.#init;
    let backoffMs = init.reconnectDelayMs;
    while (!signal.aborted) {
      let stream: Stream | null = null;
      // Per stream, like the server's: the follow signal outlives every reconnect.
      const streamDone = new AbortController();
      try {
        stream = await node.dialProtocol(leader, this.#c.protocol, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(init.dialTimeoutMs)]),
        });
        const arrival = { localMs: null as number | null };
        stream.addEventListener('message', () => (arrival.localMs = time.nowMs()), {
          signal: streamDone.signal,
        });
        const lp = lpStream(stream, { maxDataLength: MAX_CLOCK_FRAME_BYTES });
        backoffMs = init.reconnectDelayMs;
        const joinedAt = time.nowMs();
        for (let round = 0; !signal.aborted; round++) {
          for (let i = 0; i < init.warmupProbes; i++) await this.#probe(lp, arrival, signal);
          let best: ProbeResult | null = null;
          for (let i = 0; i < init.probesPerRound; i++) {
            const result = await this.#probe(lp, arrival, signal);
            if (result && (!best || roundTripMs(result.sample) < roundTripMs(best.sample))) best = result;
          }
          if (best && !signal.aborted) this.#c.accept(best.sample, best.serverErrorMs);
          const interval =
            round < init.burstCount
              ? init.burstIntervalMs
              : time.nowMs() - joinedAt < init.fastPhaseMs
                ? init.fastIntervalMs
                : init.periodicIntervalMs;
          await sleep(interval, undefined, { signal });
        }
      } catch (e) {
        if (signal.aborted) break;
        stats.reconnects++;
        log(`probing ${leader.toString()} failed, retrying in ${backoffMs} ms: ${String(e)}`);
      } finally {
        streamDone.abort();
        if (stream) await closeQuietly(stream);
      }
      try {
        await sleep(backoffMs, undefined, { signal });
      } catch {
        break;
      }
      backoffMs = Math.min(backoffMs * 2, init.maxReconnectDelayMs);
    }
  }

  async #probe(
    lp: LengthPrefixedStream,
    arrival: { localMs: number | null },
    signal: AbortSignal,
  ): Promise<ProbeResult | null> {
    const { time, stats } = this.#c;
    const seq = (this.#seq = (this.#seq + 1) >>> 0);
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.#init.probeTimeoutMs)]);
    const t1 = time.nowMs();
    await lp.write(encodeProbe({ seq, t1 }), { signal: timeout });
    stats.probesSent++;
    // Replies to earlier probes cannot be pending (one probe in flight per stream), but a
    // misbehaving server may send extra frames: a few stale ones are skipped rather than misread;
    // a malformed one, or more stale ones than that, end the stream (the loop reconnects with
    // backoff), so a server cannot keep this peer decoding garbage.
    for (let stale = 0; ; stale++) {
      arrival.localMs = null;
      const frame = await lp.read({ signal: timeout });
      const t4 = arrival.localMs ?? time.nowMs();
      if (signal.aborted) return null;
      const reply = decodeReply(frame.subarray());
      if (!reply.ok) {
        stats.dropped.malformedReplies++;
        throw new ClockProtocolError('malformed reply');
      }
      if (reply.value.seq !== seq || reply.value.t1 !== t1) {
        stats.dropped.staleReplies++;
        if (stale >= MAX_STALE_REPLIES) throw new ClockProtocolError('too many stale replies');
        continue;
      }
      stats.repliesReceived++;
      return {
        sample: { t1, t2: reply.value.t2, t3: reply.value.t3, t4 },
        serverErrorMs: reply.value.serverErrorMs,
      };
    }
  }
}
