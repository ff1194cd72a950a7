/** The player's options, and the level of the sample that keeps the output device running. */
import type { DriftPolicy } from './drift';

/** Options of the player; each has a default. */
export interface PlayerInit {
  sampleRate: number;
  /** Most frames the ring holds (default 30 s). */
  capacityFrames?: number;
  /** Length of fades (ms). */
  fadeMs?: number;
  /** Length of the ramp to a new gain of the playing segment (ms, default 20). */
  gainRampMs?: number;
  drift?: Partial<DriftPolicy>;
  /** Silence after which one inaudible sample keeps the device stream running (s). */
  keepAliveSec?: number;
}

/**
 * Level of the sample that keeps the output running (2^-24, below the least significant bit of 24-bit
 * audio). After 30 s of all-zero output Chromium swaps in a timer-driven fake sink and pauses the device
 * stream; the next play then restarts it, and for seconds its output timestamps jump and drift by
 * milliseconds (measured: starts 6-39 ms apart after a minute of silence).
 */
export const KEEP_ALIVE_LEVEL = 2 ** -24;
