/** The REPL's `calibrate` (#23): how to calibrate the room, the latest result, and starting one. */
import type { CallerHandlers } from '../../shared/bridge/dispatch';
import type { CalibrationReport } from '../../shared/calibration/messages';
import { ReplUsageError } from './repl-errors';

const HOW = [
  'Room calibration measures the delay each speaker adds (Bluetooth, a TV, a USB DAC) with a microphone',
  'and sets each speaker’s output offset so they all sound together. It needs a window with a microphone:',
  'open Firefly in a browser on a phone or laptop (https or localhost), or the desktop app, go to Room and',
  'press "Calibrate room", then "Apply". Stand about equally far from the speakers, or calibrate one speaker',
  'at a time holding the device next to it (each metre adds 2.9 ms). "Check sync" measures without changing.',
  'From here: `calibrate start` or `calibrate check` asks such a window on this device to do it;',
  'the API is POST /api/calibration {"peerIds"?: [...], "check"?: true} and GET /api/calibration.',
].join('\n');

/** The latest report in lines a terminal shows. */
export function formatCalibration(report: CalibrationReport | null): string {
  if (!report) return 'No calibration yet.';
  const head = `Latest ${report.mode === 'check' ? 'check' : 'calibration'}: ${report.state}${report.message ? ` — ${report.message}` : ''}`;
  const rows = report.speakers.map((s) => {
    if (!s.heard) return `  ${s.name.padEnd(16)} not heard`;
    const figure =
      report.mode === 'check'
        ? `residual ${s.residualMs?.toFixed(2) ?? '-'} ms${s.changed ? '  CHANGED' : ''}`
        : `offset ${s.outputOffsetMs.toFixed(1)} → ${s.proposedOffsetMs?.toFixed(1) ?? '-'} ms`;
    return `  ${s.name.padEnd(16)} ${figure}  (${s.confidence}, ${s.accepted}/${s.total} clear)`;
  });
  return [head, ...rows].join('\n');
}

/** `calibrate`, on handlers bound to the device itself. */
export function calibrateCommand(h: CallerHandlers) {
  return {
    usage: 'calibrate [start|check]',
    help: 'how to calibrate the room with a microphone; start or check asks a window with one to do it',
    run: async (args: string[]): Promise<string> => {
      const [what, ...rest] = args;
      if (rest.length > 0 || (what !== undefined && what !== 'start' && what !== 'check'))
        throw new ReplUsageError('usage: calibrate [start|check]');
      if (what === undefined)
        return `${HOW}\n\n${formatCalibration((await h['calibration:latest'](undefined)).report)}`;
      const { calibrationId } = await h['calibration:start']({ check: what === 'check' });
      return `Calibration ${calibrationId} started in a window with a microphone; \`calibrate\` shows the result.`;
    },
  };
}
