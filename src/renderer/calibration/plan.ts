/**
 * When each speaker plays its test signal: in turn, one slot each, repeated, so that one recording holds
 * every speaker's arrival at a time no other speaker sounds. A slot is long enough for the sweep, the
 * longest hidden delay looked for and the microphone's own latency, so no arrival spills into the next.
 */
import type { SignalPlan } from '../../shared/calibration/messages';
import { SWEEP_SEC } from '../audio/decoder/sweep-train';

export interface PlanTiming {
  /** From asking the room to the speakers' switch to silence: time for the plan to reach them (ms). */
  leadMs: number;
  /** From that switch to the first signal (the music fades out first) (ms). */
  settleMs: number;
  /** One speaker's turn (ms). */
  slotMs: number;
  /** After the last signal starts: its length and the longest delay looked for (ms). */
  tailMs: number;
  /** How late an arrival may be heard after it is due: hidden delay plus microphone and output latency (s). */
  maxDelaySec: number;
}

/** Defaults: Bluetooth's 250 ms plus a slow microphone and output path fit in a slot with room to spare. */
export const DEFAULT_TIMING: PlanTiming = {
  leadMs: 1500,
  settleMs: 400,
  slotMs: 1600,
  tailMs: SWEEP_SEC * 1000 + 1000,
  maxDelaySec: 0.9,
};

/** One take: each speaker's signal, due at a group time. */
export type Take = Array<{ speakerId: string; atGroupMs: number }>;

/** A round: what the speakers are asked to play, and the takes it holds. */
export interface Round {
  plan: SignalPlan;
  takes: Take[];
}

/**
 * A round in which each of `speakers` (with how many takes it still needs) plays in turn, take after take,
 * starting `timing.leadMs` after `nowGroupMs`.
 */
export function planRound(
  calibrationId: string,
  nowGroupMs: number,
  speakers: ReadonlyArray<{ peerId: string; takes: number }>,
  timing: PlanTiming = DEFAULT_TIMING,
): Round {
  const startGroupMs = Math.round(nowGroupMs + timing.leadMs);
  const takeCount = Math.max(0, ...speakers.map((s) => s.takes));
  const takes: Take[] = [];
  let slot = 0;
  for (let t = 0; t < takeCount; t++) {
    const take: Take = [];
    for (const s of speakers) {
      if (t >= s.takes) continue;
      take.push({ speakerId: s.peerId, atGroupMs: startGroupMs + timing.settleMs + slot * timing.slotMs });
      slot++;
    }
    takes.push(take);
  }
  const last = takes.flat().reduce((m, s) => Math.max(m, s.atGroupMs), startGroupMs);
  const signals = speakers
    .map((s) => ({
      peerId: s.peerId,
      atGroupMs: takes
        .flat()
        .filter((x) => x.speakerId === s.peerId)
        .map((x) => x.atGroupMs),
    }))
    .filter((s) => s.atGroupMs.length > 0);
  return {
    plan: { calibrationId, startGroupMs, endGroupMs: last + timing.tailMs, signals },
    takes,
  };
}
