import { describe, expect, it, vi } from 'vitest';
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import type { CalibrationReport } from '../../shared/calibration/messages';
import { NoMicrophoneError } from '../calibration/calibration-service';
import { replCommands, runReplLine } from './repl';

const report: CalibrationReport = {
  calibrationId: 'c1',
  mode: 'calibrate',
  state: 'done',
  by: 'phone',
  startedAtMs: 1,
  finishedAtMs: 2,
  message: 'Not heard: attic',
  speakers: [
    {
      peerId: 'a',
      name: 'living',
      heard: true,
      delayMs: 80,
      spreadMs: 0.02,
      confidence: 'high',
      accepted: 3,
      total: 3,
      rejected: {},
      outputOffsetMs: 0,
      proposedOffsetMs: 40,
      residualMs: 20,
      changed: false,
    },
    {
      peerId: 'b',
      name: 'attic',
      heard: false,
      delayMs: null,
      spreadMs: null,
      confidence: 'none',
      accepted: 0,
      total: 9,
      rejected: { weak: 9 },
      outputOffsetMs: 0,
      proposedOffsetMs: null,
      residualMs: null,
      changed: false,
    },
  ],
};

function room(start: () => unknown) {
  const h = { 'calibration:latest': vi.fn(() => ({ report })), 'calibration:start': vi.fn(start) };
  return { h, commands: replCommands({ handlers: h as unknown as BridgeHandlers, debug: () => ({}) }) };
}

describe('repl calibrate', () => {
  it('explains how to calibrate, and shows the latest result', async () => {
    const text = await runReplLine(room(() => ({ calibrationId: 'x' })).commands, 'calibrate');
    expect(text).toMatch(/microphone/);
    expect(text).toMatch(/2\.9 ms/);
    expect(text).toMatch(/living\s+offset 0\.0 → 40\.0 ms/);
    expect(text).toMatch(/attic\s+not heard/);
  });

  it('starts a check, and says plainly when no window has a microphone', async () => {
    const ok = room(() => ({ calibrationId: 'x1' }));
    expect(await runReplLine(ok.commands, 'calibrate check')).toMatch(/Calibration x1 started/);
    expect(ok.h['calibration:start']).toHaveBeenCalledWith({ check: true }, expect.anything());
    const none = room(() => {
      throw new NoMicrophoneError('no window with a microphone is open on this device');
    });
    expect(await runReplLine(none.commands, 'calibrate start')).toMatch(/no window with a microphone/);
    expect(await runReplLine(none.commands, 'calibrate now')).toMatch(/usage: calibrate \[start\|check\]/);
  });
});
