/**
 * The room's sound settings: crossfade between tracks and loudness normalisation. They travel in
 * the shared playback state (changed by commands the leader orders, like shuffle and repeat) as
 * optional fields: a state without them (the initial one, or one from a build before them) means
 * the defaults here.
 */
import type { Validator } from '../validate';
import { int, num, obj, oneOf, optional } from '../validate';

/** 'off' plays every track as it is; 'track' brings each track to the target; 'album' moves a whole album by one gain. */
export type LoudnessMode = 'off' | 'track' | 'album';
export const loudnessModes: readonly LoudnessMode[] = ['off', 'track', 'album'];

export interface LoudnessSetting {
  mode: LoudnessMode;
  /** Integrated loudness every track (or album) is brought to, LUFS. */
  targetLufs: number;
}

export const roomSoundLimits = {
  /** Crossfade: 0 (off) or 1–12 s. */
  maxCrossfadeSec: 12,
  minTargetLufs: -30,
  maxTargetLufs: -5,
} as const;

/**
 * Normalised by default, as Sonos and Spotify do: −18 LUFS is ReplayGain 2's reference level,
 * quiet enough that most tracks need no peak limiting.
 */
export const DEFAULT_LOUDNESS: LoudnessSetting = Object.freeze({ mode: 'track', targetLufs: -18 });
/** Crossfade is off by default: most music is mastered to start and end on its own. */
export const DEFAULT_CROSSFADE_SEC = 0;

/** Where a state keeps the settings (both optional, see the file comment). */
export interface RoomSoundFields {
  crossfadeSec?: number;
  loudness?: LoudnessSetting;
}

/** The crossfade setting of a state, seconds (0: off). */
export const crossfadeSetting = (state: RoomSoundFields): number =>
  state.crossfadeSec ?? DEFAULT_CROSSFADE_SEC;

/** The loudness setting of a state. */
export const loudnessSetting = (state: RoomSoundFields): LoudnessSetting =>
  state.loudness ?? DEFAULT_LOUDNESS;

/** A crossfade length: a whole number of seconds, 0 or 1–12. */
export const crossfadeSecValidator: Validator<number> = int(0, roomSoundLimits.maxCrossfadeSec);

/** A loudness target in LUFS. */
export const targetLufsValidator: Validator<number> = num(
  roomSoundLimits.minTargetLufs,
  roomSoundLimits.maxTargetLufs,
);

export const loudnessSettingValidator: Validator<LoudnessSetting> = obj({
  mode: oneOf(...loudnessModes),
  targetLufs: targetLufsValidator,
});

/**
 * A change to the room's loudness setting: either field or both. Each control sends only what it
 * changes, so two quick changes from different controls (the mode, then the target) both land even
 * when the second is sent before the first one's state has come back.
 */
export type LoudnessChange = Partial<LoudnessSetting>;

/** The fields of a loudness change, for validators of messages that carry one. */
export const loudnessChangeFields = {
  mode: optional(oneOf(...loudnessModes)),
  targetLufs: optional(targetLufsValidator),
};

/** Refuses a loudness change that changes nothing. */
export const someLoudnessField = (change: LoudnessChange): string | null =>
  change.mode === undefined && change.targetLufs === undefined ? 'expected mode or targetLufs' : null;

/** The setting a change leads to from `current`. */
export const applyLoudnessChange = (current: LoudnessSetting, change: LoudnessChange): LoudnessSetting => ({
  mode: change.mode ?? current.mode,
  targetLufs: change.targetLufs ?? current.targetLufs,
});

/** Whether two loudness settings are the same. */
export const sameLoudness = (a: LoudnessSetting, b: LoudnessSetting): boolean =>
  a.mode === b.mode && a.targetLufs === b.targetLufs;
