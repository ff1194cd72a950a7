/** A peer's own clock: monotonic, sub-microsecond, optionally shifted and skewed for tests and demos. */

/** A monotonic clock reading in milliseconds (epoch-like values, fractional). */
export interface TimeSource {
  nowMs(): number;
}

/** A time source derived from a base one by a fixed offset and a rate error. */
export interface SkewedTimeSource extends TimeSource {
  readonly base: TimeSource;
  readonly offsetMs: number;
  readonly skewPpm: number;
  /** The base reading about which the skew pivots: this clock reads originMs + (base − originMs)·rate + offsetMs. */
  readonly originMs: number;
  /** This clock's reading at the instant the base clock read `baseMs`. */
  fromBase(baseMs: number): number;
}

/** Options for `createTimeSource`. */
export interface TimeSourceOptions {
  /** Added to every reading (`--clock-offset-ms`). */
  offsetMs?: number;
  /** Rate error in parts per million (`--clock-skew-ppm`): +200 runs 200 µs/s fast. */
  skewPpm?: number;
  /** The clock to derive from; a fresh `hrtimeSource()` by default. */
  base?: TimeSource;
  /** Base reading about which the skew pivots; the base reading at creation by default. */
  originMs?: number;
}

/** Where an hrtime clock starts: an hrtime reading and the ms value it maps to. */
export interface HrtimeOrigin {
  originNs: bigint;
  originMs: number;
}

/**
 * Monotonic process clock: wall-clock time at creation, advanced by process.hrtime (ns).
 * Epoch-sized values keep about 0.25 µs of resolution in a double. hrtime is the system's
 * monotonic clock, so processes given the same origin read the same time (used by benchmarks).
 * The origin is `performance.timeOrigin + performance.now()` (microseconds) rather than Date.now()
 * (whole milliseconds), so unshifted peers on one machine, and browsers (whose clock is built the
 * same way), start within microseconds of each other.
 */
export function hrtimeSource(origin?: HrtimeOrigin): TimeSource {
  const originNs = origin?.originNs ?? process.hrtime.bigint();
  const originMs = origin?.originMs ?? performance.timeOrigin + performance.now();
  return { nowMs: () => originMs + Number(process.hrtime.bigint() - originNs) / 1e6 };
}

/** A clock that reads base·(1 + skew·1e-6) + offset, relative to the base reading at creation. */
export function createTimeSource(options: TimeSourceOptions = {}): SkewedTimeSource {
  const base = options.base ?? hrtimeSource();
  const offsetMs = options.offsetMs ?? 0;
  const skewPpm = options.skewPpm ?? 0;
  if (!Number.isFinite(offsetMs) || !Number.isFinite(skewPpm) || Math.abs(skewPpm) >= 1e5) {
    throw new RangeError(`invalid clock offset ${offsetMs} ms or skew ${skewPpm} ppm`);
  }
  const originMs = options.originMs ?? base.nowMs();
  const rate = 1 + skewPpm * 1e-6;
  const fromBase = (baseMs: number) => originMs + (baseMs - originMs) * rate + offsetMs;
  return { base, offsetMs, skewPpm, originMs, fromBase, nowMs: () => fromBase(base.nowMs()) };
}
