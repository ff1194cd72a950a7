/**
 * Group time over libp2p: every peer answers clock probes; a follower keeps one long-lived
 * stream to the leader and estimates (offset, drift) to the leader's group time.
 *
 * Group time is the leader's local clock plus the leader's `timelineOffsetMs`. Probe replies carry
 * the server's group time (not its raw clock), so followers estimate group time directly and a
 * leader change does not require anyone to learn a new offset out of band. When a follower
 * becomes leader it sets its timelineOffsetMs to (its current group time − its local time), so
 * the timeline carries on without a jump; the only discontinuity any peer sees is the difference
 * between the old and new leaders' views of the old timeline, which is within their error bounds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type {
  AbortOptions,
  Connection,
  PeerId,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface';
import {
  addSample,
  createEstimator,
  errorAt,
  estimate as estimateAt,
  resetEstimator,
  toGroupTime,
  type ClockEstimate,
  type ClockSample,
  type EstimatorOptions,
  type EstimatorState,
} from '../../shared/clock/estimator';
import {
  MAX_CLOCK_FRAME_BYTES,
  decodeProbe,
  decodeReply,
  encodeProbe,
  encodeReply,
} from '../../shared/clock/probe-codec';
import type { ClockInfo } from '../../shared/status';
import { MalformedInputError, StreamGuard } from '../net/stream-guard';
import type { TimeSource } from './time-source';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** The part of a libp2p node the clock needs. A `Libp2p` satisfies it. */
export interface ClockNode {
  readonly peerId: PeerId;
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  dialProtocol(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>;
}

/** Collaborators of ClockSync. */
export interface ClockSyncComponents {
  node: ClockNode;
  timeSource: TimeSource;
  logger?: ComponentLogger;
  /** Benches peers that keep sending malformed input; shared with the other protocols (default: one of its own). */
  guard?: StreamGuard;
}

/** Options of ClockSync; all but `protocol` have defaults. */
export interface ClockSyncInit {
  /** Stream protocol, e.g. `clockProtocol(roomHash)`. */
  protocol: string;
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
  estimator?: EstimatorOptions;
}

/** This peer's view of group time, as reported in status and events. */
export interface ClockStatus extends ClockInfo {
  /** Samples behind the estimate (0 on the leader). */
  samples: number;
  role: 'leader' | 'follower' | 'none';
  leaderPeerId: string | null;
}

/** Why the estimate was thrown away. */
export interface ClockResetDetail {
  reason: 'leader-changed' | 'step';
  leaderPeerId: string | null;
}

/** Events of ClockSync. */
export type ClockSyncEvents = {
  'clock:updated': ClockStatus;
  'clock:reset': ClockResetDetail;
};

/** Counters of the clock protocol, including input it rejected. */
export interface ClockSyncStats {
  probesSent: number;
  repliesReceived: number;
  probesServed: number;
  reconnects: number;
  steps: number;
  dropped: {
    malformedProbes: number;
    malformedReplies: number;
    staleReplies: number;
    oversizedFrames: number;
    invalidSamples: number;
    inconsistentSamples: number;
  };
}

/** Options of `setLeader`. */
export interface SetLeaderOptions {
  /** When this peer becomes leader, continue the current group timeline (default true). */
  carryOver?: boolean;
}

/** A group-time mapping frozen at a leader change, used until the new leader is measured. */
interface Timeline {
  offsetMs: number;
  driftPpm: number;
  atLocalMs: number;
}

/** The clock protocol name for a room. */
export function clockProtocol(roomHash: string): string {
  return `/firefly/${roomHash}/clock/1.0.0`;
}

const FRAME_LENGTH_ERRORS = new Set([
  'InvalidDataLengthError',
  'InvalidDataLengthLengthError',
  'InvalidMessageLengthError',
]);

/** Clock synchronisation service: serves probes and follows the current leader. */
export class ClockSync extends TypedEventTarget<ClockSyncEvents> {
  readonly #node: ClockNode;
  readonly #time: TimeSource;
  readonly #log: Logger;
  readonly #guard: StreamGuard;
  readonly #protocol: string;
  readonly #burstCount: number;
  readonly #burstIntervalMs: number;
  readonly #periodicIntervalMs: number;
  readonly #warmupProbes: number;
  readonly #probesPerRound: number;
  readonly #fastIntervalMs: number;
  readonly #fastPhaseMs: number;
  readonly #probeTimeoutMs: number;
  readonly #dialTimeoutMs: number;
  readonly #reconnectDelayMs: number;
  readonly #maxReconnectDelayMs: number;

  #controller: AbortController | null = null;
  #following: AbortController | null = null;
  #leader: PeerId | null = null;
  #isLeader = false;
  #timelineOffsetMs = 0;
  #carried: Timeline | null = null;
  #estimator: EstimatorState;
  #current: ClockEstimate | null = null;
  #serverErrorMs = 0;
  #seq = 0;
  readonly #stats: ClockSyncStats = {
    probesSent: 0,
    repliesReceived: 0,
    probesServed: 0,
    reconnects: 0,
    steps: 0,
    dropped: {
      malformedProbes: 0,
      malformedReplies: 0,
      staleReplies: 0,
      oversizedFrames: 0,
      invalidSamples: 0,
      inconsistentSamples: 0,
    },
  };

  constructor(components: ClockSyncComponents, init: ClockSyncInit) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:clock');
    super(log);
    this.#node = components.node;
    this.#time = components.timeSource;
    this.#log = log;
    this.#guard = components.guard ?? new StreamGuard();
    this.#protocol = init.protocol;
    this.#burstCount = init.burstCount ?? 16;
    this.#burstIntervalMs = init.burstIntervalMs ?? 30;
    this.#periodicIntervalMs = init.periodicIntervalMs ?? 1000;
    this.#warmupProbes = init.warmupProbes ?? 1;
    this.#probesPerRound = Math.max(1, init.probesPerRound ?? 3);
    this.#fastIntervalMs = init.fastIntervalMs ?? 250;
    this.#fastPhaseMs = init.fastPhaseMs ?? 30_000;
    this.#probeTimeoutMs = init.probeTimeoutMs ?? 2000;
    this.#dialTimeoutMs = init.dialTimeoutMs ?? 5000;
    this.#reconnectDelayMs = init.reconnectDelayMs ?? 250;
    this.#maxReconnectDelayMs = init.maxReconnectDelayMs ?? 5000;
    this.#estimator = createEstimator(init.estimator);
  }

  /** Starts serving probes, and following the leader if one is set. Idempotent. */
  async start(): Promise<void> {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    await this.#node.handle(
      this.#protocol,
      this.#guard.wrap((stream, connection) => this.#serve(stream, connection, controller.signal)),
      { maxInboundStreams: 8, maxOutboundStreams: 2 },
    );
    if (this.#leader && !this.#isLeader && this.#controller === controller) this.#follow(this.#leader);
  }

  /** Stops serving and probing; undoes everything `start` did. Idempotent. */
  async stop(): Promise<void> {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    this.#following = null;
    controller.abort();
    await this.#node
      .unhandle(this.#protocol)
      .catch((e: unknown) => this.#log(`unhandle failed: ${String(e)}`));
  }

  /**
   * Tells the clock who leads. Pass this peer's own id to become leader (continuing the current
   * timeline unless `carryOver: false`), another id to follow it, or null while there is none.
   */
  setLeader(leader: PeerId | string | null, options: SetLeaderOptions = {}): void {
    const next = typeof leader === 'string' ? peerIdFromString(leader) : leader;
    if (next?.equals(this.#leader ?? undefined) === true || (next === null && this.#leader === null)) return;
    const now = this.#time.nowMs();
    const groupNow = this.groupTimeAt(now);
    const drift = this.#isLeader ? 0 : (this.#current?.driftPpm ?? this.#carried?.driftPpm ?? 0);

    this.#following?.abort();
    this.#following = null;
    this.#leader = next;

    if (next?.equals(this.#node.peerId) === true) {
      this.#isLeader = true;
      this.#timelineOffsetMs = options.carryOver === false ? 0 : groupNow - now;
      this.#carried = null;
      this.#current = null;
      this.#estimator = resetEstimator(this.#estimator);
      this.#log(`leading, timeline offset ${this.#timelineOffsetMs.toFixed(3)} ms`);
      this.emit('clock:updated', this.status());
      return;
    }

    this.#isLeader = false;
    this.#carried = { offsetMs: groupNow - now, driftPpm: drift, atLocalMs: now };
    this.#current = null;
    this.#serverErrorMs = 0;
    this.#estimator = resetEstimator(this.#estimator);
    this.emit('clock:reset', { reason: 'leader-changed', leaderPeerId: next?.toString() ?? null });
    if (next && this.#controller) this.#follow(next);
  }

  /** Current group time in ms. Continuous across leader changes; best effort before the first sync. */
  groupNow(): number {
    return this.groupTimeAt(this.#time.nowMs());
  }

  /** Group time at a reading of this peer's time source. */
  groupTimeAt(localMs: number): number {
    if (this.#isLeader) return localMs + this.#timelineOffsetMs;
    if (this.#current) return toGroupTime(this.#current, localMs);
    const carried = this.#carried;
    if (carried) return localMs + carried.offsetMs + carried.driftPpm * 1e-6 * (localMs - carried.atLocalMs);
    return localMs + this.#timelineOffsetMs;
  }

  /** Group minus local time with its error bound (at `localMs`, default now); null while not synchronised. */
  estimate(localMs?: number): ClockStatus | null {
    if (!this.#isLeader && !this.#current) return null;
    return this.status(localMs);
  }

  /** The same as `estimate()`, but also describes an unsynchronised clock (errorMs = Infinity). */
  status(localMs?: number): ClockStatus {
    const now = localMs ?? this.#time.nowMs();
    const leaderPeerId = this.#leader?.toString() ?? null;
    if (this.#isLeader) {
      return {
        offsetMs: this.#timelineOffsetMs,
        driftPpm: 0,
        rttMs: 0,
        errorMs: 0,
        samples: 0,
        role: 'leader',
        leaderPeerId,
      };
    }
    const current = this.#current;
    const role = this.#leader ? 'follower' : 'none';
    if (!current) {
      return {
        offsetMs: this.groupTimeAt(now) - now,
        driftPpm: this.#carried?.driftPpm ?? 0,
        rttMs: 0,
        errorMs: Infinity,
        samples: 0,
        role,
        leaderPeerId,
      };
    }
    return {
      offsetMs: toGroupTime(current, now) - now,
      driftPpm: current.driftPpm,
      rttMs: current.rttMs,
      errorMs: errorAt(current, now) + this.#serverErrorMs,
      samples: current.samples,
      role,
      leaderPeerId,
    };
  }

  /** The leader's timeline offset this peer would serve if it leads (group − local). */
  get timelineOffsetMs(): number {
    return this.#timelineOffsetMs;
  }

  /** Whether this peer currently holds the timeline. */
  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** Counters, including dropped input. */
  stats(): ClockSyncStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  async #serve(stream: Stream, connection: Connection, signal: AbortSignal): Promise<void> {
    // Registered before lpStream's own listener, so it reads the clock when the bytes arrive,
    // not after the frame has been parsed: a read that resolves has arrived at or after this.
    let arrivedLocalMs: number | null = null;
    // The listener hangs off this stream's own signal: on the service's long-lived one, every
    // stream ever served would stay referenced until stop.
    const served = new AbortController();
    let malformed: Error | null = null;
    stream.addEventListener('message', () => (arrivedLocalMs = this.#time.nowMs()), {
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
            this.#stats.dropped.oversizedFrames++;
            malformed = e;
          }
          return;
        }
        // t2 and t3 are taken in one synchronous block so the estimate cannot change between them.
        const localT2 = arrivedLocalMs ?? this.#time.nowMs();
        const probe = decodeProbe(frame.subarray());
        if (!probe.ok) {
          // The first bad frame ends the stream, as on every other protocol: skipping it and
          // reading on let a stream of zero bytes cost one decode per byte (5 MiB: 10 s of CPU).
          this.#stats.dropped.malformedProbes++;
          malformed = new MalformedInputError(probe.error);
          return;
        }
        const localT3 = this.#time.nowMs();
        const reply = encodeReply({
          seq: probe.value.seq,
          t1: probe.value.t1,
          t2: this.groupTimeAt(localT2),
          t3: this.groupTimeAt(localT3),
          serverErrorMs: this.#serverError(localT3),
          authoritative: this.#isLeader,
        });
        this.#stats.probesServed++;
        await lp.write(reply, { signal });
      }
    } catch (e) {
      if (!signal.aborted) this.#log(`probe stream ended: ${String(e)}`);
    } finally {
      served.abort();
      if (malformed) {
        this.#guard.strike(connection.remotePeer.toString());
        // Reset, not a graceful close: nothing more from this stream is worth reading.
        stream.abort(malformed);
      } else {
        await closeQuietly(stream);
      }
    }
  }

  /** How far this peer's served group time may be from the timeline (0 when it leads). */
  #serverError(localMs: number): number {
    if (this.#isLeader) return 0;
    if (this.#current) return errorAt(this.#current, localMs) + this.#serverErrorMs;
    return Number.MAX_VALUE;
  }

  #follow(leader: PeerId): void {
    const parent = this.#controller;
    if (!parent) return;
    const following = new AbortController();
    this.#following = following;
    const signal = AbortSignal.any([parent.signal, following.signal]);
    void this.#followLoop(leader, signal);
  }

  async #followLoop(leader: PeerId, signal: AbortSignal): Promise<void> {
    let backoffMs = this.#reconnectDelayMs;
    while (!signal.aborted) {
      let stream: Stream | null = null;
      // Per stream, like the server's: the follow signal outlives every reconnect.
      const streamDone = new AbortController();
      try {
        stream = await this.#node.dialProtocol(leader, this.#protocol, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#dialTimeoutMs)]),
        });
        const arrival = { localMs: null as number | null };
        stream.addEventListener('message', () => (arrival.localMs = this.#time.nowMs()), {
          signal: streamDone.signal,
        });
        const lp = lpStream(stream, { maxDataLength: MAX_CLOCK_FRAME_BYTES });
        backoffMs = this.#reconnectDelayMs;
        const joinedAt = this.#time.nowMs();
        for (let round = 0; !signal.aborted; round++) {
          for (let i = 0; i < this.#warmupProbes; i++) await this.#probe(lp, arrival, signal);
          let best: ProbeResult | null = null;
          for (let i = 0; i < this.#probesPerRound; i++) {
            const result = await this.#probe(lp, arrival, signal);
            if (result && (!best || roundTripMs(result.sample) < roundTripMs(best.sample))) best = result;
          }
          if (best && !signal.aborted) this.#accept(best.sample, best.serverErrorMs);
          const interval =
            round < this.#burstCount
              ? this.#burstIntervalMs
              : this.#time.nowMs() - joinedAt < this.#fastPhaseMs
                ? this.#fastIntervalMs
                : this.#periodicIntervalMs;
          await sleep(interval, undefined, { signal });
        }
      } catch (e) {
        if (signal.aborted) break;
        this.#stats.reconnects++;
        this.#log(`probing ${leader.toString()} failed, retrying in ${backoffMs} ms: ${String(e)}`);
      } finally {
        streamDone.abort();
        if (stream) await closeQuietly(stream);
      }
      try {
        await sleep(backoffMs, undefined, { signal });
      } catch {
        break;
      }
      backoffMs = Math.min(backoffMs * 2, this.#maxReconnectDelayMs);
    }
  }

  async #probe(
    lp: LengthPrefixedStream,
    arrival: { localMs: number | null },
    signal: AbortSignal,
  ): Promise<ProbeResult | null> {
    const seq = (this.#seq = (this.#seq + 1) >>> 0);
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.#probeTimeoutMs)]);
    const t1 = this.#time.nowMs();
    await lp.write(encodeProbe({ seq, t1 }), { signal: timeout });
    this.#stats.probesSent++;
    // Replies to earlier probes cannot be pending (one probe in flight per stream), but a
    // misbehaving server may send extra frames: a few stale ones are skipped rather than misread;
    // a malformed one, or more stale ones than that, end the stream (the loop reconnects with
    // backoff), so a server cannot keep this peer decoding garbage.
    for (let stale = 0; ; stale++) {
      arrival.localMs = null;
      const frame = await lp.read({ signal: timeout });
      const t4 = arrival.localMs ?? this.#time.nowMs();
      if (signal.aborted) return null;
      const reply = decodeReply(frame.subarray());
      if (!reply.ok) {
        this.#stats.dropped.malformedReplies++;
        throw new ClockProtocolError('malformed reply');
      }
      if (reply.value.seq !== seq || reply.value.t1 !== t1) {
        this.#stats.dropped.staleReplies++;
        if (stale >= MAX_STALE_REPLIES) throw new ClockProtocolError('too many stale replies');
        continue;
      }
      this.#stats.repliesReceived++;
      return {
        sample: { t1, t2: reply.value.t2, t3: reply.value.t3, t4 },
        serverErrorMs: reply.value.serverErrorMs,
      };
    }
  }

  #accept(sample: ClockSample, serverErrorMs: number): void {
    this.#estimator = addSample(this.#estimator, sample);
    switch (this.#estimator.lastVerdict) {
      case 'invalid':
        this.#stats.dropped.invalidSamples++;
        return;
      case 'inconsistent':
        this.#stats.dropped.inconsistentSamples++;
        return;
      case 'step':
        this.#stats.steps++;
        this.#log('the leader clock stepped; estimate restarted');
        this.emit('clock:reset', { reason: 'step', leaderPeerId: this.#leader?.toString() ?? null });
        break;
      default:
        break;
    }
    this.#serverErrorMs = serverErrorMs;
    this.#current = estimateAt(this.#estimator, sample.t4);
    this.emit('clock:updated', this.status());
  }
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

async function closeQuietly(stream: Stream): Promise<void> {
  try {
    await stream.close({ signal: AbortSignal.timeout(500) });
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
  }
}
