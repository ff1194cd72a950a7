import { expect, test, type Locator, type Page } from '@playwright/test';
import { apiFetch, type TestPeer } from '../../test/support/peers';
import { openWindow, startRoom, stopRoomsAfterEach } from './helpers';

stopRoomsAfterEach();

const settingsOf = async (peer: TestPeer) =>
  (await apiFetch(peer.ui, '/api/settings')).json() as Promise<{ volume: number; muted: boolean }>;

/** Moves a range slider as a drag would end: the value changes, then the control lets go (commit). */
async function setSlider(slider: Locator, value: number): Promise<void> {
  await slider.focus();
  await slider.evaluate((el, v) => {
    const input = el as HTMLInputElement;
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
    setValue?.call(input, String(v));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
  await slider.blur();
}

const deviceRow = (page: Page, peer: TestPeer) =>
  page.locator(`[data-testid="device-volume"][data-peer-id="${peer.peerId}"]`);

test('every speaker’s volume from any device: a slider and mute per device in the Room view, applied on that device; group volume moves all proportionally; both themes', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const peers = await startRoom(['desk', 'den'], null);
  const [desk, den] = peers as [TestPeer, TestPeer];
  const page = await openWindow(browser, den);
  await page.getByTestId('nav-room').click();
  await expect(page.getByTestId('device-volume')).toHaveCount(2, { timeout: 30_000 });
  await expect(deviceRow(page, den)).toContainText('this device');

  // From the den, turn the desk down to 30%: the desk applies it as its own setting.
  await setSlider(page.getByRole('slider', { name: 'Volume of desk' }), 0.3);
  await expect.poll(async () => (await settingsOf(desk)).volume, { timeout: 15_000 }).toBe(0.3);
  await expect(deviceRow(page, desk)).toContainText('30%');
  expect((await settingsOf(den)).volume).toBe(1);

  // Mute the desk from here; a window on the desk shows it muted in its own player bar.
  const deskPage = await openWindow(browser, desk);
  await page.getByRole('button', { name: 'Mute desk' }).click();
  await expect.poll(async () => (await settingsOf(desk)).muted, { timeout: 15_000 }).toBe(true);
  await expect(page.getByRole('button', { name: 'Mute desk' })).toHaveAttribute('aria-pressed', 'true');
  await expect(deskPage.getByTestId('mute')).toHaveAccessibleName('Unmute');
  await expect(deviceRow(page, desk)).toContainText('muted');

  // The group volume from the den: the loudest (den, 100%) to 50%, the desk by the same factor.
  await expect(page.getByRole('slider', { name: 'Volume of all speakers' })).toHaveValue('1');
  await setSlider(page.getByRole('slider', { name: 'Volume of all speakers' }), 0.5);
  await expect.poll(async () => (await settingsOf(den)).volume, { timeout: 15_000 }).toBe(0.5);
  await expect.poll(async () => (await settingsOf(desk)).volume, { timeout: 15_000 }).toBe(0.15);
  await expect(deskPage.getByTestId('volume')).toHaveValue('0.15');
  await expect(page.getByTestId('group-volume')).toHaveValue('0.5');

  // Unmute from the desk's own player bar: the den's Room view follows.
  await deskPage.getByTestId('mute').click();
  await expect(page.getByRole('button', { name: 'Mute desk' })).toHaveAttribute('aria-pressed', 'false', {
    timeout: 15_000,
  });

  // Both themes: the volume panel takes each theme's surface colour.
  const surface = () => page.locator('.volume-rows').evaluate((el) => getComputedStyle(el).backgroundColor);
  await apiFetch(den.ui, '/api/settings', { body: { theme: 'light' } });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  const light = await surface();
  await apiFetch(den.ui, '/api/settings', { body: { theme: 'dark' } });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await surface();
  expect(light).toBe('rgb(255, 255, 255)');
  expect(dark).toBe('rgb(21, 24, 30)');
  await expect(page.getByRole('slider', { name: 'Volume of desk' })).toBeVisible();
});
