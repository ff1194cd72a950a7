/**
 * Room view → Calibrate room (#23), in a browser whose microphone is Chromium's fake device: its beep is
 * not the calibration's sweep, so no speaker is heard clearly. The panel shows its progress while the
 * speakers play, then a line per speaker saying it was not heard (no figure guessed), and Apply stays off;
 * Check sync then measures again and changes nothing. The acoustic test covers a real room's sound.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { apiFetch, type TestPeer } from '../../test/support/peers';
import type { CalibrationReport } from '../../src/shared/calibration/messages';
import { openWindow, startRoom, stopRoomsAfterEach } from './helpers';

stopRoomsAfterEach();

let micBrowser: Browser | null = null;
test.afterEach(async () => {
  await micBrowser?.close();
  micBrowser = null;
});

const speakersOf = async (peer: TestPeer) => {
  const status = (await (await apiFetch(peer.ui, '/api/status')).json()) as {
    output?: unknown;
    members: Array<{ peerId: string; speaker?: boolean }>;
  };
  return (status.output ? 1 : 0) + status.members.filter((m) => m.speaker).length;
};

test('calibrating with a microphone that hears no sweep reports each speaker as not heard', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const [desk, den] = (await startRoom(['desk', 'den'], null)) as [TestPeer, TestPeer];
  const launch = test.info().project.use.launchOptions ?? {};
  micBrowser = await chromium.launch({
    ...launch,
    args: [...(launch.args ?? []), '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  await openWindow(browser, den);
  const page = await openWindow(micBrowser, desk);
  await expect.poll(() => speakersOf(desk), { timeout: 60_000 }).toBe(2);
  await page.getByTestId('nav-room').click();

  const panel = page.getByTestId('calibrate-panel');
  const start = panel.getByTestId('calibrate-start');
  const check = panel.getByTestId('calibrate-check');
  const apply = panel.getByTestId('calibrate-apply');
  await expect(start).toBeEnabled();
  await expect(check).toBeEnabled();
  await expect(apply).toBeDisabled();

  await start.click();
  // While it runs: a progress line, and no button to press twice.
  await expect(panel.getByTestId('calibrate-progress')).toHaveText(
    /Listening to 2 speakers|Waiting|Trying again/,
  );
  await expect(start).toBeDisabled();
  await expect(check).toBeDisabled();
  await expect(apply).toBeDisabled();

  const result = panel.getByTestId('calibrate-result');
  await expect(panel.getByTestId('calibrate-progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(result).toHaveAttribute('data-mode', 'calibrate');
  await expect(result).not.toHaveAttribute('data-state', 'running');
  const lines = panel.getByTestId('calibrate-speaker');
  await expect(lines).toHaveCount(2);
  for (const line of await lines.all()) {
    await expect(line).toHaveAttribute('data-heard', 'false');
    await expect(line).toContainText('not heard');
    await expect(line).not.toContainText(' ms');
  }
  await expect(result).toHaveAttribute('data-state', 'done');
  await expect(result.getByRole('alert')).toContainText(
    /Not heard: (desk, den|den, desk)\. Is it on and loud enough/,
  );
  await expect(apply).toBeDisabled();
  await expect(start).toBeEnabled();

  // The API holds the same report, with every speaker unheard and no offset proposed.
  const { report } = (await (await apiFetch(desk.ui, '/api/calibration')).json()) as {
    report: CalibrationReport;
  };
  expect(report.mode).toBe('calibrate');
  expect(report.speakers.map((s) => [s.heard, s.proposedOffsetMs, s.delayMs])).toEqual([
    [false, null, null],
    [false, null, null],
  ]);
  expect(report.speakers.map((s) => s.peerId).sort()).toEqual([desk.peerId, den.peerId].sort());

  // Check sync measures again and changes nothing.
  await check.click();
  await expect(panel.getByTestId('calibrate-progress')).toBeVisible();
  await expect(panel.getByTestId('calibrate-progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(result).toHaveAttribute('data-mode', 'check');
  await expect(apply).toBeDisabled();
  const devices = (await (await apiFetch(desk.ui, '/api/devices')).json()) as Array<{
    outputOffsetMs: number;
  }>;
  expect(devices.map((d) => d.outputOffsetMs)).toEqual([0, 0]);
});
