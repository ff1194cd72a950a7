import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { apiFetch, launchPeer, type TestPeer } from '../../test/support/peers';
import { musicFolder, openWindow, removeMusicFolders, TITLES } from './helpers';

let peers: TestPeer[] = [];
let dataDir = '';

test.afterEach(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  peers = [];
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  removeMusicFolders();
});

const radio = (page: Page, group: string, name: string) =>
  page.getByRole('radiogroup', { name: group }).getByRole('radio', { name, exact: true });

test('settings persist across a peer restart', async ({ browser }) => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-ui-settings-'));
  const music = await musicFolder();
  const first = await launchPeer({ name: 'den', dataDir });
  peers = [first];
  const page = await openWindow(browser, first);
  await page.keyboard.press('Control+,');

  await radio(page, 'Channel', 'Left').click();
  await expect(radio(page, 'Channel', 'Left')).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('button', { name: 'Output offset +10 ms' }).click();
  await page.getByRole('button', { name: 'Output offset +1 ms' }).click();
  await expect(page.getByTestId('output-offset')).toHaveValue('11');
  await radio(page, 'Theme', 'Dark').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await radio(page, 'Theme', 'Light').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('close-to-tray').setChecked(true);
  await page.getByTestId('notifications').setChecked(false);
  const priority = page.getByTestId('priority');
  await priority.fill('42');
  await priority.press('Enter');

  // A path that is not a folder is refused with the reason, and not saved.
  const missing = path.join(dataDir, 'no-such-folder');
  await page.getByTestId('add-folder-path').fill(missing);
  await page.getByRole('button', { name: 'Add folder' }).click();
  await expect(page.getByTestId('settings-error')).toContainText('does not exist');
  await expect(page.getByTestId('library-folder')).toHaveCount(0);
  const viaApi = await apiFetch(first.ui, '/api/settings', { body: { libraries: ['relative/music'] } });
  expect(viaApi.status).toBe(422);
  expect(await viaApi.text()).toContain('not a full path');

  // A library folder added as a path is scanned: its tracks appear in the library.
  await page.getByTestId('add-folder-path').fill(music);
  await page.getByRole('button', { name: 'Add folder' }).click();
  await expect(page.getByTestId('library-folder')).toHaveText([music]);
  await expect(page.getByTestId('nav-library')).toContainText(String(TITLES.length), { timeout: 60_000 });

  // The passphrase is masked until revealed; an empty one cannot be saved.
  const passphrase = page.getByTestId('room-passphrase');
  await expect(passphrase).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Show passphrase' }).click();
  await expect(passphrase).toHaveAttribute('type', 'text');
  await passphrase.fill('');
  await expect(page.getByRole('button', { name: 'Join room' })).toBeDisabled();

  // Typed offsets are kept to the range the peer accepts (±1000 ms).
  await page.getByTestId('output-offset').fill('5000');
  await page.getByTestId('output-offset').press('Enter');
  await expect(page.getByTestId('output-offset')).toHaveValue('1000');
  await page.getByRole('button', { name: 'Output offset −10 ms' }).click();
  await expect(page.getByTestId('output-offset')).toHaveValue('990');

  await expect
    .poll(
      async () =>
        ((await (await apiFetch(first.ui, '/api/settings')).json()) as { priority: number }).priority,
    )
    .toBe(42);
  await page.close();
  await first.stop();

  const second = await launchPeer({ name: 'den', dataDir });
  peers = [second];
  const again = await openWindow(browser, second);
  await again.getByTestId('nav-settings').click();
  await expect(radio(again, 'Channel', 'Left')).toHaveAttribute('aria-checked', 'true');
  await expect(again.getByTestId('output-offset')).toHaveValue('990');
  await expect(radio(again, 'Theme', 'Light')).toHaveAttribute('aria-checked', 'true');
  await expect(again.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(again.getByTestId('close-to-tray')).toBeChecked();
  await expect(again.getByTestId('notifications')).not.toBeChecked();
  await expect(again.getByTestId('priority')).toHaveValue('42');
  await expect(again.getByTestId('library-folder')).toHaveText([music]);
  await expect(again.getByTestId('nav-library')).toContainText(String(TITLES.length), { timeout: 60_000 });
});
