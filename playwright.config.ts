import { defineConfig } from '@playwright/test';

const chromiumLaunch = {
  executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
  ],
};

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.e2e.ts',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // Every test starts several peers and browsers: one test at a time on a 2-core machine.
  workers: 1,
  reporter: [['list']],
  use: { browserName: 'chromium', headless: true, launchOptions: chromiumLaunch },
  projects: [
    // A failure is retried once in CI, where a busy machine can stall a browser; a retried pass is reported as flaky.
    { name: 'app', testIgnore: 'acoustic/**', retries: process.env.CI ? 1 : 0 },
    // Acoustic tests measure real sound through PulseAudio: an audio underrun on a loaded machine moves a
    // whole recording, so they get three more tries; each try prints its figures.
    { name: 'acoustic', testMatch: 'acoustic/**/*.e2e.ts', retries: process.env.CI ? 3 : 0 },
  ],
});
