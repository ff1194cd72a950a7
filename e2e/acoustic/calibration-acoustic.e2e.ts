/**
 * Room calibration heard for real (#23 item 5): speaker B's sound reaches its channel 40 ms late through a
 * LADSPA delay line in the sound server that its browser knows nothing of; a third browser listens to the room's mix as its
 * microphone and calibrates from its Room view. Before, A and B are heard about 40 ms apart; after Apply,
 * within 1 ms. Again with white noise mixed into
 * the microphone. See
 * test/support/acoustic/calibration-room.ts for the rig; `npm run bench:calibration` covers 5, 40 and 180 ms.
 */
import { expect, test } from '@playwright/test';
import { formatOffsets } from '../../test/support/acoustic/rig';
import { startCalibrationRoom, type CalibrationRoom } from '../../test/support/acoustic/calibration-room';
import { pulseAvailable } from '../../test/support/acoustic/pulse';

const pulse = pulseAvailable();
const HIDDEN_MS = 40;

let room: CalibrationRoom | null = null;
test.afterEach(async () => {
  await room?.close();
  room = null;
});

async function calibrateAway(noise: number): Promise<void> {
  room = await startCalibrationRoom({ hiddenDelayMs: HIDDEN_MS, noise, log: (line) => console.log(line) });
  const before = await room.clickTake();
  console.log(formatOffsets(`before calibration (hidden ${HIDDEN_MS} ms, noise ${noise})`, before));
  expect(before.count).toBeGreaterThanOrEqual(10);
  // The delay line is exact; the two browsers' outputs add their own error (measured 39.86–41.53 ms for 40).
  expect(before.medianMs).toBeGreaterThanOrEqual(HIDDEN_MS * 0.5);
  expect(before.medianMs).toBeLessThanOrEqual(HIDDEN_MS * 1.5);

  const report = await room.calibrate('calibrate');
  console.log(`calibration: ${JSON.stringify(report)}`);
  expect(report.state).toBe('done');
  const [a, b] = [room.room.holder.peerId, room.room.follower.peerId].map((id) =>
    report.speakers.find((s) => s.peerId === id),
  );
  expect(a?.heard && b?.heard).toBe(true);
  // A speaker whose takes disagree gets no proposal (the UI then offers no Apply for it): fail here, not on Apply.
  expect(b?.proposedOffsetMs, `B's proposal (takes ${JSON.stringify(b?.takesMs)})`).not.toBeNull();
  await room.apply(report);

  const after = await room.clickTake();
  console.log(
    formatOffsets(`after calibration (offsets ${a?.proposedOffsetMs} / ${b?.proposedOffsetMs} ms)`, after),
  );
  // Check sync measures again and changes nothing; printed before the verdict, to tell the rig's drift from
  // a wrong measurement when the clicks miss.
  const check = await room.calibrate('check');
  console.log(`check: ${check.speakers.map((s) => `${s.name} ${s.residualMs} ms`).join(', ')}`);
  expect(after.count).toBeGreaterThanOrEqual(10);
  // Within 1 ms, median and p95 of the clicks. B's delay is a LADSPA delay line, exact to the sample (a
  // `module-loopback` moved by up to 4 ms between a calibration and the clicks after it). What is left is the
  // browsers' own outputs moving between the calibration and the take: twenty takes in ten `.ci/run`s of
  // 2026-12-07 (half with noise, the suite's load) after Apply: medians -0.663 to +0.379 ms, p95 0.054 to
  // 0.755 ms. A wrong measurement misses by far more.
  expect(Math.abs(after.medianMs)).toBeLessThanOrEqual(1);
  expect(after.p95AbsMs).toBeLessThanOrEqual(1);
  expect(check.mode).toBe('check');
  expect(check.speakers.every((s) => s.heard && !s.changed)).toBe(true);
}

test.describe('room calibration, heard', () => {
  test.skip(!pulse.ok, pulse.ok ? '' : pulse.reason);
  test.setTimeout(300_000);

  test('a speaker 40 ms late that its browser does not know of is put in step by calibrating', async () => {
    await calibrateAway(0);
  });

  // White noise does not bias an arrival (solve-microphone.test.ts: within 10 µs at this level). It was fixme while
  // the rig's loopback moved B between the calibration and the clicks (a .ci/run had A and B 28 ms apart before
  // calibrating, and B's takes then disagreed by more than 5 ms). With the delay line, two takes at noise 0.15
  // (load 3-7): after Apply 0.178 and -0.930 ms (p95 0.240 and 0.998), Check sync ±0.04 and ±0.18 ms.
  test('the same with moderately loud noise mixed into the microphone', async () => {
    await calibrateAway(0.15);
  });
});
