import type { SpeakerCalibration } from '../../shared/calibration/messages';
import { offsetProblem } from '../calibration/offsets';
import { microphoneAvailable } from '../calibration/recorder';
import { useActions, useCalibration } from '../store';

const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} ms`);

function speakerLine(s: SpeakerCalibration, mode: 'calibrate' | 'check'): string {
  if (!s.heard) return 'not heard';
  const sure = `${s.confidence} confidence, ${s.accepted} of ${s.total} takes clear`;
  if (mode === 'check')
    return `${s.residualMs === null ? 'in line' : `${s.residualMs >= 0 ? '+' : ''}${s.residualMs.toFixed(1)} ms from the others`}${s.changed ? ' — its delay changed' : ''} (${sure})`;
  const problem = s.proposedOffsetMs === null ? null : offsetProblem(s.proposedOffsetMs);
  return problem ?? `offset ${ms(s.outputOffsetMs)} → ${ms(s.proposedOffsetMs)} (${sure})`;
}

/**
 * "Calibrate room" (#23): every speaker plays a short sweep in turn, this device's microphone hears them,
 * and each speaker's output offset is set so they sound together; "Check sync" measures again and only reports.
 */
export function CalibratePanel() {
  const { report, progress, applied } = useCalibration();
  const { calibration } = useActions();
  const canRecord = microphoneAvailable();
  const running = progress !== null;
  const canApply =
    report?.mode === 'calibrate' &&
    report.state === 'done' &&
    report.speakers.some((s) => s.proposedOffsetMs !== null && offsetProblem(s.proposedOffsetMs) === null);
  return (
    <section className="calibrate" aria-labelledby="calibrate-title" data-testid="calibrate-panel">
      <h2 id="calibrate-title" className="section-title">
        Calibrate room
      </h2>
      <p className="hint">
        Each speaker plays a short sweep in turn and this device’s microphone listens, to find the delay each
        speaker adds (Bluetooth, a TV). Stand about equally far from the speakers, or calibrate one speaker at
        a time holding this device next to it: each metre of distance adds 2.9 ms.
      </p>
      <div className="field-row">
        {(
          [
            ['calibrate-start', 'Calibrate room', canRecord, () => calibration.run('calibrate')],
            ['calibrate-check', 'Check sync', canRecord, () => calibration.run('check')],
            ['calibrate-apply', 'Apply', canApply, () => calibration.apply()],
          ] as const
        ).map(([testId, label, enabled, act]) => (
          <button
            key={testId}
            type="button"
            className="button"
            disabled={!enabled || running}
            onClick={() => void act()}
            data-testid={testId}
          >
            {label}
          </button>
        ))}
      </div>
      {!canRecord ? (
        <p className="hint">
          This page cannot use a microphone. Open Firefly on https or localhost (a phone or laptop), or use
          the desktop app.
        </p>
      ) : null}
      {progress ? (
        <p className="hint" role="status" data-testid="calibrate-progress">
          {progress}
        </p>
      ) : null}
      {report ? (
        <div
          data-testid="calibrate-result"
          data-state={report.state}
          data-mode={report.mode}
          data-id={report.calibrationId}
        >
          <ul className="calibrate-speakers">
            {report.speakers.map((s) => (
              <li key={s.peerId} data-testid="calibrate-speaker" data-peer-id={s.peerId} data-heard={s.heard}>
                <span className="volume-name">{s.name}</span>: {speakerLine(s, report.mode)}
              </li>
            ))}
          </ul>
          {report.message ? (
            <p className={report.state === 'failed' ? 'inline-error' : 'hint'} role="alert">
              {report.message}
            </p>
          ) : null}
        </div>
      ) : null}
      {applied ? (
        <p className={applied.length ? 'inline-error' : 'hint'} role="status" data-testid="calibrate-applied">
          {applied.length
            ? `Not applied: ${applied.join('; ')}`
            : 'Applied: each speaker’s output offset is set.'}
        </p>
      ) : null}
    </section>
  );
}
