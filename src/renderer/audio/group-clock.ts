/**
 * The renderer's second clock hop: this page's clock against its host peer's, over the bridge.
 *
 * The local clock is `performance.timeOrigin + performance.now()` (epoch-sized ms, monotonic).
 * Four-timestamp probes go through `bridge.clock.probe(t1)`; the shared estimator keeps the
 * low-delay ones and gives host − local with an error bound. The host adds its own estimate of
 * group − host (`groupOffsetMs` at its send time t3, `groupErrorMs`, and `groupDriftPpm`, how fast
 * that offset moves) to every reply, so
 *   group = host + (group − host)(t3) + drift · (host − t3),   host = local + (host − local),
 *   error = own bound + host's bound.
 * Carrying the host's offset forward along its drift matters for a host whose clock runs fast or
 * slow against the leader's: at 150 ppm a one-second-old offset is already 0.15 ms off.
 * A host that has no group estimate yet (`groupOffsetMs: null`) is taken as the group clock
 * itself, and readings say `hostSynced: false`.
 *
 * On the same machine the offset may be taken as exactly 0 (`same-clock.ts`). Replies are checked
 * before use (`probe-reply.ts`).
 */
import type { ClockProbeReply, HostClockTransform } from '../../shared/bridge/payloads';
import {
  addSample,
  createEstimator,
  errorAt,
  estimate,
  fromGroupTime,
  toGroupTime,
  type ClockEstimate,
  type EstimatorOptions,
  type EstimatorState,
} from '../../shared/clock/estimator';
import { isReply } from './probe-reply';
import { declaredOffsetMs, zeroBand, type SameClockOptions } from './same-clock';

/** The one bridge call the group clock needs. */
export interface ClockProbeBridge {
  clock: { probe(t1: number): Promise<ClockProbeReply> };
}

/** A local clock: epoch-sized ms, and the performance-time origin it is built on. */
export interface LocalClock {
  nowMs(): number;
  /** `nowMs() − performance.now()`: converts between local ms and performance ms. */
  readonly originMs: number;
}

/** The page's own clock: `performance.timeOrigin + performance.now()`. */
export function performanceClock(): LocalClock {
  const originMs = performance.timeOrigin;
  return { originMs, nowMs: () => originMs + performance.now() };
}

/** Group time for some instant, with its error bound. */
export interface GroupTimeReading {
  groupMs: number;
  /** Bound on |groupMs − true group time| (ms): own hop plus the host's. */
  errorMs: number;
  /** False while the host has no group estimate and its own clock stands in for it. */
  hostSynced: boolean;
}

/** What the audio engine needs from a group clock. */
export interface GroupTimeSource {
  /** Group time at which the page's clock reads `performanceMs`, or null before the first estimate. */
  performanceToGroup(performanceMs: number): GroupTimeReading | null;
  /** Performance time (ms) at which group time reads `groupMs`, or null before the first estimate. */
  groupToPerformance(groupMs: number): number | null;
  /** Resolves once conversions can be answered. */
  ready(signal?: AbortSignal): Promise<void>;
}

/** Tuning of the probe schedule and the estimator. */
export interface GroupClockInit {
  /** Probes sent back to back when started, to get a first estimate fast. */
  burstProbes?: number;
  /** Time between probes after the burst (ms). */
  probeIntervalMs?: number;
  /** A reply later than this is dropped (ms). */
  probeTimeoutMs?: number;
  /** Samples needed before conversions are answered. */
  minSamples?: number;
  estimator?: EstimatorOptions;
  /** The host runs on this machine (see the module comment); false by default. */
  sameMachine?: boolean;
  /** Probes, and the time they span (ms), before host − local = 0 is taken; 8 and 5000 by default. */
  sameClockMinSamples?: number;
  sameClockMinSpanMs?: number;
  /** Tolerance of the same-clock test (ms): the page clock's coarsening; 0.02 by default. */
  sameClockSlackMs?: number;
}

/** Counters of probe outcomes, for diagnostics. */
export interface GroupClockStats {
  sent: number;
  accepted: number;
  rejected: number;
  failed: number;
  timedOut: number;
}

/** Estimates group time from this page via probes over the bridge. */
export class GroupClock implements GroupTimeSource {
  private readonly bridge: ClockProbeBridge;
  private readonly clock: LocalClock;
  private readonly burstProbes: number;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly minSamples: number;
  private readonly sameMachine: boolean;
  private readonly sameClockOptions: SameClockOptions;
  /** Width of the band of host − local that every probe allows, when it holds 0 (same machine only). */
  private sameClockBandMs: number | null = null;
  /** The fit as of the last accepted probe: conversions (many per audio tick) extrapolate it instead of refitting. */
  private fitted: ClockEstimate | null = null;
  /** How the host's clock is made from the machine's, from its last reply (null: it is the machine's). */
  private hostClock: HostClockTransform | null = null;
  private state: EstimatorState;
  private hostOffsetMs: number | null = null;
  private hostErrorMs: number | null = null;
  /** Drift of group − host (ppm of host time), and the host time at which `hostOffsetMs` held. */
  private hostDriftPpm = 0;
  private hostRefMs = 0;
  private controller: AbortController | null = null;
  private waiters: (() => void)[] = [];
  private probing: Promise<boolean> | null = null;
  readonly stats: GroupClockStats = { sent: 0, accepted: 0, rejected: 0, failed: 0, timedOut: 0 };

  constructor(components: { bridge: ClockProbeBridge; clock?: LocalClock }, init: GroupClockInit = {}) {
    this.bridge = components.bridge;
    this.clock = components.clock ?? performanceClock();
    this.burstProbes = init.burstProbes ?? 8;
    this.probeIntervalMs = init.probeIntervalMs ?? 1000;
    this.probeTimeoutMs = init.probeTimeoutMs ?? 2000;
    this.minSamples = init.minSamples ?? 4;
    this.sameMachine = init.sameMachine ?? false;
    this.sameClockOptions = {
      minSamples: init.sameClockMinSamples ?? 8,
      minSpanMs: init.sameClockMinSpanMs ?? 5000,
      slackMs: init.sameClockSlackMs ?? 0.02,
    };
    this.state = createEstimator(init.estimator);
  }

  /** Starts probing: a burst, then one probe per interval. Idempotent. */
  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller.signal);
  }

  /** Stops probing; the estimate stays readable. */
  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    for (let i = 0; i < this.burstProbes && !signal.aborted; i++) await this.probeOnce();
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.probeIntervalMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (!signal.aborted) await this.probeOnce();
    }
  }

  /** Sends one probe (one at a time); resolves true when its sample was accepted. */
  probeOnce(): Promise<boolean> {
    this.probing ??= this.probe().finally(() => (this.probing = null));
    return this.probing;
  }

  private async probe(): Promise<boolean> {
    this.stats.sent++;
    const t1 = this.clock.nowMs();
    let reply: ClockProbeReply;
    try {
      reply = await this.bridge.clock.probe(t1);
    } catch {
      this.stats.failed++;
      return false;
    }
    const t4 = this.clock.nowMs();
    if (t4 - t1 > this.probeTimeoutMs) {
      this.stats.timedOut++;
      return false;
    }
    if (!isReply(reply)) {
      this.stats.rejected++;
      return false;
    }
    this.state = addSample(this.state, { t1, t2: reply.t2, t3: reply.t3, t4 });
    if (this.state.lastVerdict !== 'accepted' && this.state.lastVerdict !== 'step') {
      this.stats.rejected++;
      return false;
    }
    this.stats.accepted++;
    this.fitted = this.state.samples.length >= this.minSamples ? estimate(this.state, t4) : null;
    // The band below is tested against the transform the host states now, over the whole window.
    this.hostClock = reply.hostClock ?? null;
    this.sameClockBandMs = this.sameMachine
      ? zeroBand(this.state.samples, this.hostClock, this.sameClockOptions)
      : null;
    this.hostOffsetMs = reply.groupOffsetMs;
    this.hostErrorMs = reply.groupErrorMs;
    this.hostDriftPpm = reply.groupOffsetMs === null ? 0 : (reply.groupDriftPpm ?? 0);
    this.hostRefMs = reply.t3;
    if (this.waiters.length > 0 && this.current(t4)) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
    return true;
  }

  private current(localMs: number): ClockEstimate | null {
    const fitted = this.fitted;
    if (!fitted || this.sameClockBandMs === null) return fitted;
    return {
      ...fitted,
      offsetMs: declaredOffsetMs(this.hostClock, localMs),
      driftPpm: this.hostClock?.skewPpm ?? 0,
      errorMs: this.sameClockBandMs,
      errorGrowthPpm: 0,
      atLocalMs: localMs,
    };
  }

  /** Whether host − local is taken as exactly 0 (see the module comment). */
  get sameClock(): boolean {
    return this.sameClockBandMs !== null;
  }

  /** Resolves once conversions can be answered. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.current(this.clock.nowMs())) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(done);
    });
  }

  /** The host-vs-local estimate (for diagnostics), or null before enough samples. */
  hostEstimate(): ClockEstimate | null {
    return this.current(this.clock.nowMs());
  }

  /** Group time now. */
  groupNow(): GroupTimeReading | null {
    return this.localToGroup(this.clock.nowMs());
  }

  /** Group time at local time `localMs`. */
  localToGroup(localMs: number): GroupTimeReading | null {
    const est = this.current(localMs);
    if (!est) return null;
    const hostMs = toGroupTime(est, localMs);
    return {
      groupMs: hostMs + (this.hostOffsetMs ?? 0) + this.hostDriftPpm * 1e-6 * (hostMs - this.hostRefMs),
      errorMs: errorAt(est, localMs) + (this.hostErrorMs ?? 0),
      hostSynced: this.hostOffsetMs !== null,
    };
  }

  /** Local time at which group time reads `groupMs`. */
  groupToLocal(groupMs: number): number | null {
    const est = this.current(this.clock.nowMs());
    if (!est) return null;
    // Inverts group = host + offset + drift · (host − ref) for the host time.
    const rate = this.hostDriftPpm * 1e-6;
    const hostMs = this.hostRefMs + (groupMs - (this.hostOffsetMs ?? 0) - this.hostRefMs) / (1 + rate);
    return fromGroupTime(est, hostMs);
  }

  performanceToGroup(performanceMs: number): GroupTimeReading | null {
    return this.localToGroup(this.clock.originMs + performanceMs);
  }

  groupToPerformance(groupMs: number): number | null {
    const local = this.groupToLocal(groupMs);
    return local === null ? null : local - this.clock.originMs;
  }
}
