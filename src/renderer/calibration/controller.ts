/**
 * Room calibration in this window (#23): plays this device's part when the room asks (every window is a
 * speaker), takes a calibration the API or the REPL asked for when this window has a microphone, and runs
 * one: the microphone recorded on the engine's context, the room's speakers asked through the host, the
 * session measured, the report sent to the host (for the API) and kept in the store (for the Room view).
 */
/// <reference types="vite/client" />
import type { CalibrationReport } from '../../shared/calibration/messages';
import { bridge } from '../bridge';
import { audioEngine } from '../playback/engine-host';
import { useStore } from '../store';
import { speakerFigures, UNRELIABLE_SPREAD_MS } from './offsets';
import { MicRecorder } from './recorder';
import recorderWorkletUrl from './recorder-worklet?worker&url';
import { measureSpeakers, type Recording } from './session';

/** A short random id for a calibration started here. */
const newId = () => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The room's speakers now: members with a window playing, this device included, with their outputs. */
function roomSpeakers(): Array<{ peerId: string; name: string; outputOffsetMs: number }> {
  const { peer, devices } = useStore.getState();
  const status = peer.status;
  const speaking = new Set((status?.members ?? []).filter((m) => m.speaker).map((m) => m.peerId));
  if (status?.self && status.output) speaking.add(status.self.peerId);
  return devices.list
    .filter((d) => speaking.has(d.peerId))
    .map((d) => ({ peerId: d.peerId, name: d.name, outputOffsetMs: d.outputOffsetMs }));
}

/**
 * Runs a calibration (or a check) of `peerIds` (default: every speaker) from this window and returns its
 * report; a failure (no microphone, no speaker) is a report with state 'failed' and the reason.
 */
export async function runCalibration(
  mode: 'calibrate' | 'check',
  peerIds: readonly string[] | null,
  calibrationId = newId(),
  progress: (line: string) => void = () => undefined,
): Promise<CalibrationReport> {
  const all = roomSpeakers();
  const speakers = peerIds ? all.filter((s) => peerIds.includes(s.peerId)) : all;
  const report: CalibrationReport = {
    calibrationId,
    mode,
    state: 'running',
    by: useStore.getState().peer.identity?.name ?? 'this window',
    startedAtMs: Date.now(),
    finishedAtMs: null,
    speakers: [],
    message: null,
  };
  const send = (r: CalibrationReport) =>
    void bridge()
      .calibration.report(r)
      .catch(() => undefined);
  send(report);
  let recorder: MicRecorder | null = null;
  try {
    if (speakers.length === 0) throw new Error('no speaker in the room has a window playing');
    const engine = audioEngine();
    if (!engine) throw new Error('this window has no audio engine');
    await engine.start();
    const context = engine.audioContext;
    if (!context) throw new Error('this window has no audio output');
    const mic = (recorder = await MicRecorder.open(context, recorderWorkletUrl));
    // Opening the microphone can restart the output, whose clock map then needs a few readings again.
    progress('Waiting for this device’s sound output to settle…');
    const settleUntil = performance.now() + 15_000;
    while (engine.contextTimeOfGroup(engine.groupTimeNow() ?? 0) === null || mic.lastFrame() === null) {
      if (performance.now() > settleUntil) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const groupNow = () => {
      const g = engine.groupTimeNow();
      if (g === null) throw new Error('this window has no group time yet: try again in a moment');
      return g;
    };
    // While the output stalls (a busy machine) its clock map has no fit for a moment: the last one carries on.
    let lastGood: { groupMs: number; frame: number } | null = null;
    const frameOf = (groupMs: number) => {
      const t = engine.contextTimeOfGroup(groupMs);
      if (t !== null) {
        lastGood = { groupMs, frame: t * context.sampleRate };
        return lastGood.frame;
      }
      if (!lastGood) throw new Error('this window has no group time yet: try again in a moment');
      return lastGood.frame + ((groupMs - lastGood.groupMs) / 1000) * context.sampleRate;
    };
    const record = async (fromGroupMs: number, toGroupMs: number): Promise<Recording> => {
      const fromFrame = Math.floor(frameOf(fromGroupMs));
      const toFrame = Math.ceil(frameOf(toGroupMs));
      const deadline = performance.now() + (toGroupMs - groupNow()) + 5000;
      while ((mic.lastFrame() ?? 0) < toFrame) {
        if (performance.now() > deadline) throw new Error('the microphone stopped delivering sound');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const samples = mic.take(fromFrame, toFrame);
      mic.forget(toFrame);
      return { samples, sampleRate: context.sampleRate, frameOfGroup: (g) => frameOf(g) - fromFrame };
    };
    const delays = await measureSpeakers(
      { groupNow, play: (plan) => bridge().calibration.play(plan), record, progress },
      speakers.map((s) => s.peerId),
      // Five clear takes each: the median of five shrugs off two disturbed ones.
      { calibrationId, takes: 5 },
    );
    const wholeRoom = speakers.length === all.length && delays.every((d) => d.heard);
    // Out of line is news only in a check: before a calibration every speaker may be.
    const figures = speakerFigures(delays, speakers, { wholeRoom }).map((f) =>
      mode === 'check' ? f : { ...f, changed: false },
    );
    const unheard = figures.filter((f) => !f.heard).map((f) => f.name);
    const unsure = figures
      .filter((f) => f.heard && f.spreadMs !== null && f.spreadMs > UNRELIABLE_SPREAD_MS)
      .map((f) => f.name);
    const changed = figures.filter((f) => f.changed).map((f) => f.name);
    Object.assign(report, {
      state: 'done',
      speakers: figures,
      message:
        unheard.length > 0
          ? `Not heard: ${unheard.join(', ')}. Is it on and loud enough, and is the microphone near it?`
          : unsure.length > 0
            ? `Not measured reliably: ${unsure.join(', ')} (its takes disagree). Try again in a quieter moment.`
            : mode === 'check' && changed.length > 0
              ? `Out of sync: ${changed.join(', ')}. Its delay changed (a Bluetooth reconnect?): calibrate again.`
              : null,
    });
  } catch (error) {
    Object.assign(report, {
      state: 'failed',
      message: error instanceof Error ? error.message : String(error),
    });
  } finally {
    recorder?.close();
  }
  report.finishedAtMs = Date.now();
  send(report);
  return report;
}

/** Applies a calibration's proposed offsets to its speakers, each through its own device settings. */
export async function applyCalibration(report: CalibrationReport): Promise<string[]> {
  const problems: string[] = [];
  for (const s of report.speakers) {
    if (s.proposedOffsetMs === null || s.proposedOffsetMs === s.outputOffsetMs) continue;
    try {
      await bridge().devices.set(s.peerId, { outputOffsetMs: s.proposedOffsetMs });
    } catch (error) {
      problems.push(`${s.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}
