/**
 * `library:loudness` on the control topic: what a holder knows of its tracks' loudness (measured
 * after its scan, or read from ReplayGain tags), so every device can normalise tracks it does not
 * hold. A holder sends it when a measuring pass finishes a batch, and all of it when a member
 * joins. It is its own message type, not a field of the catalog entry, because peers on builds
 * before it refuse catalog entries with fields they do not know, while they ignore (without any
 * penalty) control messages of a type they do not know.
 */
import type { Validator } from '../validate';
import { arrayOf, obj } from '../validate';
import { isContentId } from '../chunking/ids';
import type { TrackLoudness } from '../playback/loudness';
import { err, ok } from '../result';

export const loudnessMessageLimits = {
  /** Entries per message: each is about 200 bytes of JSON, far under the 64 KiB a message may be. */
  maxEntries: 100,
} as const;

export interface LoudnessEntry extends TrackLoudness {
  trackId: string;
}

export interface LoudnessBodies {
  'library:loudness': { entries: LoudnessEntry[] };
}

/** A number in [min, max] or null. */
const reading =
  (min: number, max: number): Validator<number | null> =>
  (input, path) =>
    input === null || (typeof input === 'number' && Number.isFinite(input) && input >= min && input <= max)
      ? ok(input)
      : err(`${path ?? 'value'}: expected null or a number in [${min}, ${max}]`);

/** Loudness readings in the ranges real audio has (gated loudness starts at −70 LUFS). */
export const trackLoudnessShape = {
  lufs: reading(-70, 30),
  truePeakDb: reading(-200, 30),
  rgTrackGainDb: reading(-60, 60),
  rgTrackPeak: reading(0, 100),
  rgAlbumGainDb: reading(-60, 60),
  rgAlbumPeak: reading(0, 100),
};

export const loudnessEntryValidator = obj({
  trackId: (input: unknown, path?: string) =>
    isContentId(input) ? ok(input) : err(`${path ?? 'trackId'}: expected a track id`),
  ...trackLoudnessShape,
}) as Validator<LoudnessEntry>;

export const loudnessBodyValidators: {
  [T in keyof LoudnessBodies]: { [K in keyof LoudnessBodies[T]]-?: Validator<LoudnessBodies[T][K]> };
} = { 'library:loudness': { entries: arrayOf(loudnessEntryValidator, loudnessMessageLimits.maxEntries) } };

export type LoudnessMessage = { type: 'library:loudness' } & LoudnessBodies['library:loudness'];

/** Whether `type` names this message type. */
export const isLoudnessMessageType = (type: unknown): type is 'library:loudness' =>
  type === 'library:loudness';
