/** Small statistics helpers shared by the benchmarks. */

/** The q-quantile (0..1) of a list of numbers, by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

/** A figure against its target, for the printed tables. */
export function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'MISSES target';
}
