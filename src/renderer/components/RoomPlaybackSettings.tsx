/** Settings → Playback in the room: the room's crossfade and loudness normalisation, shared by every device. */
import {
  crossfadeSetting,
  loudnessSetting,
  roomSoundLimits,
  type LoudnessMode,
} from '../../shared/playback/room-sound';
import { useActions, usePlaybackError, usePlaybackState } from '../store';
import { RangeSlider } from './RangeSlider';
import { Section, Segmented } from './SettingsParts';

export function RoomPlaybackSettings() {
  const state = usePlaybackState();
  const error = usePlaybackError();
  const { playback } = useActions();
  if (!state) return null;
  const crossfadeSec = crossfadeSetting(state);
  const loudness = loudnessSetting(state);
  const { maxCrossfadeSec, minTargetLufs, maxTargetLufs } = roomSoundLimits;
  return (
    <Section
      title="Playback in the room"
      description="Shared by every device in the room: a change here applies everywhere."
    >
      <div className="field" data-testid="crossfade-field">
        <span className="label">Crossfade</span>
        <div className="field-row">
          <RangeSlider
            label="Crossfade"
            min={0}
            max={maxCrossfadeSec}
            step={1}
            value={crossfadeSec}
            valueText={(v) => (v === 0 ? 'Off' : `${v} seconds`)}
            onCommit={(v) => void playback.crossfade(Math.round(v))}
            testId="crossfade"
          />
          <span className="value" data-testid="crossfade-value">
            {crossfadeSec === 0 ? 'Off' : `${crossfadeSec} s`}
          </span>
        </div>
        <p className="hint">
          Overlaps the end of a track with the next, the same on every speaker; never between an album’s
          tracks played in order, which run on without a gap. Off: each track follows the last without a gap.
        </p>
      </div>
      <div className="field">
        <span className="label">Normalise loudness</span>
        <Segmented<LoudnessMode>
          label="Normalise loudness"
          value={loudness.mode}
          testId="loudness-mode"
          options={[
            ['off', 'Off'],
            ['track', 'Per track'],
            ['album', 'Per album'],
          ]}
          onChange={(mode) => void playback.loudness({ mode })}
        />
        <p className="hint">
          Plays loud and quiet recordings at one level, without clipping. Per album keeps the differences
          between an album’s tracks.
        </p>
      </div>
      <div className="field">
        <span className="label">Loudness target</span>
        <div className="field-row">
          <RangeSlider
            label="Loudness target"
            min={minTargetLufs}
            max={maxTargetLufs}
            step={1}
            value={loudness.targetLufs}
            disabled={loudness.mode === 'off'}
            valueText={(v) => `${v} LUFS`}
            onCommit={(v) => void playback.loudness({ targetLufs: Math.round(v) })}
            testId="loudness-target"
          />
          <span className="value" data-testid="loudness-target-value">
            {loudness.targetLufs} LUFS
          </span>
        </div>
        <p className="hint">−18 LUFS suits most music; −14 is louder, as streaming services play.</p>
      </div>
      {error ? (
        <p role="alert" className="inline-error">
          {error}
        </p>
      ) : null}
    </Section>
  );
}
