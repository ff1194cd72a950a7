/**
 * The renderer's hop: how far a window's estimate of group time is from the truth. One headless peer leads (so
 * group time is its own clock) and a Chromium window estimates it over the WebSocket bridge. The peer's clock and
 * the page's clock are both the system's monotonic clock anchored at process start to wall time with microsecond
 * resolution, so the truth is "equal" to within a few microseconds; the figures are estimate − page clock.
 */
import { chromium } from '@playwright/test';
import { launchPeer } from '../e2e/peers';
import { quantile, verdict } from './stats';

const samples = Number(process.env.FIREFLY_BENCH_SAMPLES ?? 300);

async function main(): Promise<void> {
  const peer = await launchPeer({ name: 'hop' });
  const browser = await chromium.launch({
    executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${peer.ui}/?diagnostics`);
    await page.waitForFunction(() => {
      const hook = (window as unknown as { __fireflyAudio?: { groupNow(): { hostSynced: boolean } | null } }).__fireflyAudio;
      return hook?.groupNow()?.hostSynced === true;
    }, undefined, { timeout: 30_000 });
    const startedAt = Date.now();
    const readings = await page.evaluate(async (count) => {
      type Hook = { groupNow(): { groupMs: number; errorMs: number } | null };
      const isolated = globalThis.crossOriginIsolated;
      const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
      const out: Array<{ errorUs: number; boundUs: number; atMs: number }> = [];
      for (let i = 0; i < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const before = performance.now();
        const reading = hook.groupNow();
        const after = performance.now();
        if (!reading) continue;
        const truth = performance.timeOrigin + (before + after) / 2;
        out.push({ errorUs: (reading.groupMs - truth) * 1000, boundUs: reading.errorMs * 1000, atMs: after });
      }
      return { out, isolated };
    }, samples).then((r) => {
      console.log(`page cross-origin isolated (fine performance.now() resolution): ${r.isolated}`);
      return r.out;
    });
    const abs = readings.map((r) => Math.abs(r.errorUs));
    const median = quantile(abs, 0.5);
    console.log(`# Renderer hop (window ↔ host peer over WebSocket), ${readings.length} readings over ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    console.log('| figure | µs | target |');
    console.log('|---|---|---|');
    console.log(`| median abs(estimate − truth) | ${median.toFixed(1)} | ≤ 100 µs median: ${verdict(median <= 100)} |`);
    console.log(`| p99 abs(estimate − truth) | ${quantile(abs, 0.99).toFixed(1)} | |`);
    console.log(`| max abs(estimate − truth) | ${Math.max(...abs).toFixed(1)} | |`);
    console.log(`| median stated bound | ${quantile(readings.map((r) => r.boundUs), 0.5).toFixed(1)} | |`);
    console.log(`| readings inside their bound | ${((readings.filter((r) => Math.abs(r.errorUs) <= r.boundUs).length / readings.length) * 100).toFixed(1)} % | |`);
  } finally {
    await browser.close();
    await peer.stop();
  }
}

await main();
process.exit(0);
