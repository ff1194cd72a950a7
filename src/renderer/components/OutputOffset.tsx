/**
 * The output offset setting: how long after this device's output its sound is heard, nudged in
 * steps or typed, with the click test that lets two devices be matched by ear.
 */
import { useEffect, useId, useState } from 'react';
import { OUTPUT_OFFSET_RANGE_MS } from '../../shared/bridge/request-validators';
import { audioEngine } from '../playback/engine-host';
import { Icon } from './Icons';

/** The offset field with its nudge buttons and the click test. */
export function OutputOffset({ value, onSave }: { value: number; onSave(ms: number): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [clicking, setClicking] = useState(() => audioEngine()?.clicks ?? false);
  const [clickError, setClickError] = useState<string | null>(null);
  const id = useId();
  // Leaving Settings stops the clicks: the room's music comes back where it is.
  useEffect(() => () => void audioEngine()?.playClicks(false), []);
  const nudge = (delta: number) =>
    onSave(
      Math.max(
        OUTPUT_OFFSET_RANGE_MS.min,
        Math.min(OUTPUT_OFFSET_RANGE_MS.max, Math.round((value + delta) * 10) / 10),
      ),
    );
  const commit = () => {
    if (draft === null) return;
    const ms = Number(draft);
    setDraft(null);
    if (Number.isFinite(ms) && ms !== value)
      onSave(Math.max(OUTPUT_OFFSET_RANGE_MS.min, Math.min(OUTPUT_OFFSET_RANGE_MS.max, ms)));
  };
  const toggleClicks = async () => {
    const engine = audioEngine();
    if (!engine) return setClickError('The sound output has not started yet.');
    try {
      await engine.playClicks(!clicking);
      setClickError(null);
      setClicking(!clicking);
    } catch (error) {
      setClickError(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>Output offset</label>
      <div className="field-row offset-row">
        <button type="button" className="button" aria-label="Output offset −10 ms" onClick={() => nudge(-10)}>
          −10
        </button>
        <button type="button" className="button" aria-label="Output offset −1 ms" onClick={() => nudge(-1)}>
          −1
        </button>
        <div className="number-input">
          <input
            id={id}
            type="number"
            step={0.5}
            min={OUTPUT_OFFSET_RANGE_MS.min}
            max={OUTPUT_OFFSET_RANGE_MS.max}
            value={draft ?? String(value)}
            data-testid="output-offset"
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => e.key === 'Enter' && commit()}
          />
          <span aria-hidden="true">ms</span>
        </div>
        <button type="button" className="button" aria-label="Output offset +1 ms" onClick={() => nudge(1)}>
          +1
        </button>
        <button type="button" className="button" aria-label="Output offset +10 ms" onClick={() => nudge(10)}>
          +10
        </button>
      </div>
      <div className="calibration">
        <button
          type="button"
          className={`button${clicking ? ' primary' : ''}`}
          aria-pressed={clicking}
          onClick={() => void toggleClicks()}
          data-testid="click-test"
        >
          <Icon name="metronome" size={18} /> {clicking ? 'Stop click test' : 'Start click test'}
        </button>
        <p className="hint">
          Plays a click on every second of room time (a higher one every fourth). Start it on two devices,
          listen to both, and nudge this device’s offset until the two clicks merge into one. A positive
          offset plays earlier, for speakers that lag (Bluetooth). The clicks play through the same output as
          the music, in place of it while they run.
        </p>
        {clickError ? (
          <p className="hint error" role="alert">
            {clickError}
          </p>
        ) : null}
      </div>
    </div>
  );
}
