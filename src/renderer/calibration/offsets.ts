/**
 * From measured delays to what the user sees and may apply (#23): each speaker's output offset that puts
 * it in line with the others, and how far each is out of line now (the residual a check reports).
 * Delays carry the microphone's latency, the same for every speaker, so only differences count.
 */
import { DEVICE_OUTPUT_OFFSET_RANGE_MS } from '../../shared/devices/output';
import type { SpeakerCalibration } from '../../shared/calibration/messages';
import type { SpeakerDelay } from './solve';

/** A speaker further than this from the others' median is out of line (ms): a check flags it as changed. */
export const CHANGED_TOLERANCE_MS = 1.5;

/**
 * Takes of one speaker that disagree by more than this (median absolute deviation, ms) measured something
 * else than its sound (a stalled output, another speaker's signal): it gets no proposal, the user tries again.
 */
export const UNRELIABLE_SPREAD_MS = 5;

/** Whether a measured speaker's takes agree well enough to act on. */
export const reliable = (d: SpeakerDelay | undefined): boolean =>
  d?.delayMs !== null && d?.delayMs !== undefined && (d.spreadMs ?? 0) <= UNRELIABLE_SPREAD_MS;

/** A speaker as the calibration needs to know it. */
export interface SpeakerInfo {
  peerId: string;
  name: string;
  outputOffsetMs: number;
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Each speaker's figures. A speaker heard later by d ms needs d ms more output offset than the earliest;
 * when `wholeRoom` (every speaker in the room was heard), the offsets are then moved together so the
 * smallest is 0, so a calibration undoes offsets no speaker needs rather than piling them up.
 */
export function speakerFigures(
  delays: readonly SpeakerDelay[],
  speakers: readonly SpeakerInfo[],
  { wholeRoom }: { wholeRoom: boolean },
): SpeakerCalibration[] {
  const byId = new Map(delays.map((d) => [d.speakerId, d]));
  const heard = speakers.flatMap((s) => {
    const d = byId.get(s.peerId);
    return reliable(d) ? [{ s, delayMs: d!.delayMs as number }] : [];
  });
  const middle = heard.length > 0 ? median(heard.map((h) => h.delayMs)) : 0;
  const earliest = heard.length > 0 ? Math.min(...heard.map((h) => h.delayMs)) : 0;
  const raw = new Map(heard.map((h) => [h.s.peerId, h.s.outputOffsetMs + h.delayMs - earliest]));
  const shift = wholeRoom && raw.size > 0 ? Math.min(...raw.values()) : 0;
  return speakers.map((s): SpeakerCalibration => {
    const d = byId.get(s.peerId);
    const delayMs = d?.delayMs ?? null;
    const residualMs = !reliable(d) || heard.length < 2 ? null : round2((delayMs as number) - middle);
    const proposed = raw.get(s.peerId);
    return {
      peerId: s.peerId,
      name: s.name,
      heard: d?.heard ?? false,
      delayMs: delayMs === null ? null : round2(delayMs),
      spreadMs: d?.spreadMs === null || d?.spreadMs === undefined ? null : round2(d.spreadMs),
      takesMs: (d?.takesMs ?? []).map(round2),
      confidence: d?.confidence ?? 'none',
      accepted: d?.accepted ?? 0,
      total: d?.total ?? 0,
      rejected: d?.rejected ?? {},
      outputOffsetMs: s.outputOffsetMs,
      proposedOffsetMs: proposed === undefined ? null : round2(proposed - shift),
      residualMs,
      changed: residualMs !== null && Math.abs(residualMs) > CHANGED_TOLERANCE_MS,
    };
  });
}

/** Why a proposed offset cannot be applied (out of the range a device accepts), or null. */
export function offsetProblem(offsetMs: number): string | null {
  const { min, max } = DEVICE_OUTPUT_OFFSET_RANGE_MS;
  if (offsetMs < min || offsetMs > max)
    return `it would need an output offset of ${offsetMs.toFixed(1)} ms, outside ${min}…${max} ms`;
  return null;
}
