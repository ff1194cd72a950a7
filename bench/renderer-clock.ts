/**
 * The renderer's hop: how far a window's estimate of group time is from the truth. One headless peer leads (so
 * group time is its own clock) and a Chromium window estimates it over the WebSocket bridge. The peer's clock and
 * the page's clock are both the system's monotonic clock anchored at process start to wall time with microsecond
 * resolution, so the truth is "equal" to within a few microseconds; the figures are estimate − page clock.
 * Then the same for a window of a follower whose clock is skewed (`--clock-offset-ms 250 --clock-skew-ppm 150`):
 * group time is still the leader's clock, so the same truth holds through both hops.
 */
import { chromium, type Browser } from '@playwright/test';
import { launchPeer } from '../test/support/peers';
import { quantile, verdict } from './stats';

const samples = Number(process.env.FIREFLY_BENCH_SAMPLES ?? 300);
/** Seconds of probing before the readings start (`FIREFLY_BENCH_WARM_SEC`, default 10). */
const warmSec = Number(process.env.FIREFLY_BENCH_WARM_SEC ?? 10);

/** Reads a window's group-time estimate against the truth every 50 ms and prints the figures. */
async function measure(browser: Browser, ui: string, title: string): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto(`${ui}/?diagnostics`);
    await page.waitForFunction(
      () => {
        const hook = (
          window as unknown as { __fireflyAudio?: { groupNow(): { hostSynced: boolean } | null } }
        ).__fireflyAudio;
        return hook?.groupNow()?.hostSynced === true;
      },
      undefined,
      { timeout: 60_000 },
    );
    // A window runs for as long as the app does: measure after its first seconds of probes.
    await page.waitForTimeout(warmSec * 1000);
    const startedAt = Date.now();
    const readings = await page
      .evaluate(async (count) => {
        type Hook = { groupNow(): { groupMs: number; errorMs: number } | null; sameClock(): boolean };
        const isolated = globalThis.crossOriginIsolated;
        const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
        const out: Array<{ errorUs: number; boundUs: number; atMs: number; same: boolean }> = [];
        for (let i = 0; i < count; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          const before = performance.now();
          const reading = hook.groupNow();
          const after = performance.now();
          // A reading bracketed by more than 0.2 ms (the page was descheduled, or collected garbage) says
          // nothing about its clock. The time groupNow() itself takes counts as error at the midpoint below.
          if (!reading || after - before > 0.2) continue;
          const truth = performance.timeOrigin + (before + after) / 2;
          out.push({
            errorUs: (reading.groupMs - truth) * 1000,
            boundUs: reading.errorMs * 1000,
            atMs: after,
            same: hook.sameClock(),
          });
        }
        return { out, isolated };
      }, samples)
      .then((r) => {
        console.log(`page cross-origin isolated (fine performance.now() resolution): ${r.isolated}`);
        return r.out;
      });
    const abs = readings.map((r) => Math.abs(r.errorUs));
    const median = quantile(abs, 0.5);
    console.log(
      `# ${title}, ${readings.length} readings over ${((Date.now() - startedAt) / 1000).toFixed(0)} s, after ${warmSec} s of probes`,
    );
    console.log('| figure | µs | target |');
    console.log('|---|---|---|');
    console.log(
      `| median abs(estimate − truth) | ${median.toFixed(1)} | ≤ 100 µs median: ${verdict(median <= 100)} |`,
    );
    console.log(`| p99 abs(estimate − truth) | ${quantile(abs, 0.99).toFixed(1)} | |`);
    console.log(`| max abs(estimate − truth) | ${Math.max(...abs).toFixed(1)} | |`);
    console.log(
      `| median stated bound | ${quantile(
        readings.map((r) => r.boundUs),
        0.5,
      ).toFixed(1)} | |`,
    );
    console.log(
      `| readings with the host's clock taken as the window's (same machine) | ${((readings.filter((r) => r.same).length / readings.length) * 100).toFixed(1)} % | |`,
    );
    console.log(
      `| readings inside their bound | ${((readings.filter((r) => Math.abs(r.errorUs) <= r.boundUs).length / readings.length) * 100).toFixed(1)} % | |`,
    );
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const leader = await launchPeer({ name: 'hop', args: ['--priority', '50'] });
  // A follower whose clock is 250 ms off and 150 ppm fast: its window's group time goes through two
  // hops (window → follower → leader), and the follower's offset to the group moves 0.15 ms a second.
  const follower = await launchPeer({
    name: 'skewed',
    args: ['--bootstrap', leader.addrs[0] as string, '--clock-offset-ms', '250', '--clock-skew-ppm', '150'],
  });
  const browser = await chromium.launch({
    executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  try {
    await measure(browser, leader.ui, 'Renderer hop (window ↔ host peer over WebSocket; the host leads)');
    await measure(
      browser,
      follower.ui,
      'Two hops (window ↔ follower whose clock is +250 ms, +150 ppm ↔ leader)',
    );
  } finally {
    await browser.close();
    await follower.stop();
    await leader.stop();
  }
}

await main();
process.exit(0);
