/**
 * The map between the page's performance clock and the AudioContext's output clock: an
 * `OutputClockWindow` of `getOutputTimestamp()` readings (`output-clock-window.ts`, with its step
 * detector and drift line) kept fed from a live AudioContext, and the conversions it answers.
 */
import {
  OutputClockWindow,
  type ClockMapFit,
  type OutputClockWindowOptions,
  type SampleVerdict,
} from './output-clock-window';

import { TypedEventTarget } from '../../shared/events';
import { consoleLogger } from '../console-logger';

export type { ClockMapFit } from './output-clock-window';

/** What the map announces. */
export interface ClockMapEvents {
  /** A reading was accepted. */
  'clock:updated': undefined;
  /**
   * The output clock is confirmed to have jumped (an underrun, a device change) by this many ms,
   * and the map now follows it.
   */
  'clock:stepped': number;
}

/** Performance time (ms) → context time (s) under a fit. */
export function performanceToContext(fit: ClockMapFit, performanceMs: number): number {
  return (performanceMs + fit.offsetMs) / 1000;
}

/** Context time (s) → performance time (ms) under a fit. */
export function contextToPerformance(fit: ClockMapFit, contextSec: number): number {
  return contextSec * 1000 - fit.offsetMs;
}

/** The part of an AudioContext the map reads. */
export interface OutputTimestampSource {
  getOutputTimestamp(): AudioTimestamp;
  readonly state: AudioContextState;
}

/** Options for `ClockMap`. */
export interface ClockMapInit extends OutputClockWindowOptions {
  /** Time between readings (ms). */
  sampleIntervalMs?: number;
}

/** Keeps an `OutputClockWindow` fed from a live AudioContext and answers conversions. */
export class ClockMap extends TypedEventTarget<ClockMapEvents> {
  private readonly window: OutputClockWindow;
  private readonly sampleIntervalMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly context: OutputTimestampSource,
    init: ClockMapInit = {},
  ) {
    // A listener that throws is reported on the console; the readings go on.
    super(consoleLogger.forComponent('firefly:clock-map'));
    this.window = new OutputClockWindow(init);
    this.sampleIntervalMs = init.sampleIntervalMs ?? 40;
  }

  /** Starts taking readings; idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), this.sampleIntervalMs);
    this.sample();
  }

  /** Stops taking readings; the last map stays readable. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes one reading now (the timer calls this; tests may too). */
  sample(): SampleVerdict {
    if (this.context.state !== 'running') {
      this.window.reset();
      return 'not-running';
    }
    const ts = this.context.getOutputTimestamp();
    const steps = this.window.steps;
    const verdict = this.window.add(
      { contextTimeSec: ts.contextTime ?? 0, performanceTimeMs: ts.performanceTime ?? 0 },
      performance.now(),
    );
    if (this.window.steps !== steps) this.emit('clock:stepped', this.window.lastStepMs);
    if (verdict === 'accepted') {
      if (this.waiters.length > 0 && this.window.fit()) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const resolve of waiters) resolve();
      }
      this.emit('clock:updated', undefined);
    }
    return verdict;
  }

  /** The current map, or null while the output is not (yet) running. */
  fit(): ClockMapFit | null {
    return this.window.fit();
  }

  /** Whether conversions can be answered. */
  get isReady(): boolean {
    return this.window.fit() !== null;
  }

  /** Resolves once the output runs and the map is usable. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.isReady) return Promise.resolve();
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

  /**
   * Resolves true once the median of the newest `spanMs` of readings lies within `toleranceMs` of the
   * map's (the output settled after, say, a decode that loaded the machine), or false after `maxWaitMs`.
   */
  steady(spanMs: number, toleranceMs: number, maxWaitMs: number): Promise<boolean> {
    const count = Math.max(1, Math.round(spanMs / this.sampleIntervalMs));
    const isSteady = () => {
      const shift = this.window.recentShiftMs(count);
      return shift !== null && shift <= toleranceMs;
    };
    if (isSteady()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        off();
        resolve(result);
      };
      const timer = setTimeout(() => done(false), maxWaitMs);
      const off = this.on('clock:updated', () => {
        if (isSteady()) done(true);
      });
    });
  }

  /** Context time (s) whose frame is output at `performanceMs`, or null when not ready. */
  performanceToContext(performanceMs: number): number | null {
    const fit = this.window.fit();
    return fit ? performanceToContext(fit, performanceMs) : null;
  }

  /** Performance time (ms) at which the frame at `contextSec` is output, or null when not ready. */
  contextToPerformance(contextSec: number): number | null {
    const fit = this.window.fit();
    return fit ? contextToPerformance(fit, contextSec) : null;
  }
}
