/**
 * Checks a clock probe's reply before the group clock uses it (`group-clock.ts`): finite timestamps and
 * offsets, a non-negative error, and drifts and host-clock transforms a peer can really state. A reply
 * that fails is counted as rejected, never used.
 */
import type { ClockProbeReply, HostClockTransform } from '../../shared/bridge/payloads';

/** Whether `reply` is a well-formed clock probe reply. */
export function isReply(reply: unknown): reply is ClockProbeReply {
  if (typeof reply !== 'object' || reply === null) return false;
  const r = reply as Record<string, unknown>;
  const finiteOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  return (
    typeof r.t2 === 'number' &&
    Number.isFinite(r.t2) &&
    typeof r.t3 === 'number' &&
    Number.isFinite(r.t3) &&
    finiteOrNull(r.groupOffsetMs) &&
    finiteOrNull(r.groupErrorMs) &&
    (r.groupDriftPpm === undefined || finiteOrNull(r.groupDriftPpm)) &&
    // Peers accept clock skews up to 10,000 ppm (`--clock-skew-ppm`); more is a broken reply.
    Math.abs((r.groupDriftPpm as number | null | undefined) ?? 0) <= 20_000 &&
    (r.groupErrorMs === null || (r.groupErrorMs as number) >= 0) &&
    (r.hostClock === undefined || r.hostClock === null || isTransform(r.hostClock))
  );
}

function isTransform(value: unknown): value is HostClockTransform {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  // Peers accept shifts within a day and skews up to 10,000 ppm; more is a broken reply.
  return finite(t.offsetMs) && finite(t.skewPpm) && finite(t.originMs) && Math.abs(t.skewPpm) <= 20_000;
}
