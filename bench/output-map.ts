/**
 * Diagnostic for the output clock map (not part of `npm run bench`): how well `getOutputTimestamp()`
 * says when a frame is heard. One page holds two AudioContexts (one performance clock, so no
 * clock sync is involved): context 0 clicks on the left channel of a private PulseAudio null sink,
 * context 1 on the right. Every ~250 ms both schedule a click for the same performance time through
 * a 3 s median of readings (the engine's map, less its drift carry: both contexts here share one sink clock,
 * so the drift is common to both); one recording spans the whole run, and context
 * 1, then 0, then 1 are recreated part way through. Per click and context it prints:
 *
 * - `true`: the context's real output offset (context ms − performance ms of the heard frame), up to
 *   one constant shared by all contexts, taken from where the click lands in the recording (the
 *   sink's sample clock). Constant per context if sound is locked to context time.
 * - `map−true`: how far the map was from it. Its common part is the sink's clock drifting against
 *   the performance clock; its difference between the two contexts is what puts two players apart.
 *
 * With --remap the two contexts live in two browsers instead, each into its own mono remap sink of
 * the null sink, as in the acoustic tests (the pages' clocks, `performance.timeOrigin + now()`,
 * agree within about ±50 µs on one machine).
 *
 *   npx tsx bench/output-map.ts [--sec 90] [--remap] [--warm-sec N]
 *
 * `--warm-sec N` lets the freshly started sound server run N seconds before the browsers start.
 *
 * It also prints the error other maps would have had (medians over 1, 10 and 30 s, where the engine's
 * is 3 s; lines fitted through 1 s medians), on the clicks where both contexts had run longer than
 * their span. As root each
 * browser's audio service runs at realtime priority, as in the acoustic rig (`FIREFLY_ACOUSTIC_RT=0`: not).
 */
import { chromium } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findOnsets } from '../test/support/acoustic/analyze';
import { ACOUSTIC_BROWSER_ARGS, raiseAudioPriority } from '../test/support/acoustic/harness';
import { pulseAvailable, startPulse } from '../test/support/acoustic/pulse';
import { makeClick } from '../test/support/acoustic/signals';
import { readWav } from '../test/support/acoustic/wav';
import { quantile } from './stats';

const argv = process.argv.slice(2);
const i = argv.indexOf('--sec');
const SEC = i >= 0 ? Number(argv[i + 1]) : 90;
const REMAP = argv.includes('--remap');
const w = argv.indexOf('--warm-sec');
/** Seconds the sound server runs, with no client, before the browsers start. */
const WARM_SEC = w >= 0 ? Number(argv[w + 1]) : 0;
const RATE = 48_000;

/** Page side, as a string so the bundler's helpers never reach the page. */
/** Other maps to compare with the engine's: [name, span ms, kind]; `line` fits a line through 1 s block medians. */
const ALTERNATIVES: [string, number, 'median' | 'line'][] = [
  ['median of 1 s', 1000, 'median'],
  ['median of 10 s', 10_000, 'median'],
  ['median of 30 s', 30_000, 'median'],
  ['line through 1 s medians of 10 s', 10_000, 'line'],
  ['line through 1 s medians of 20 s', 20_000, 'line'],
];
const PAGE_SCRIPT = `
window.__om = (() => {
  const ALTERNATIVES = ${JSON.stringify(ALTERNATIVES)};
  const ctxs = [null, null];
  const gens = [0, 0];
  const readings = [[], []]; // [now, contextTime, performanceTime, generation]
  let click = null;
  const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };
  setInterval(() => {
    for (let i = 0; i < 2; i++) {
      const c = ctxs[i];
      if (!c || c.ctx.state !== 'running') continue;
      const ts = c.ctx.getOutputTimestamp();
      if (ts.performanceTime > 0 && ts.contextTime > 0) readings[i].push([performance.now(), ts.contextTime, ts.performanceTime, gens[i]]);
    }
  }, 10);
  const born = [0, 0];
  const estimate = (i, now, spanMs = 3000) => median(readings[i].filter((r) => r[3] === gens[i] && r[0] > now - spanMs).map((r) => r[1] * 1000 - r[2]));
  // Least squares through the medians of 1 s blocks, evaluated at now.
  const line = (i, now, spanMs) => {
    const pts = [];
    for (let end = now; end > now - spanMs + 1; end -= 1000) {
      const block = readings[i].filter((r) => r[3] === gens[i] && r[0] > end - 1000 && r[0] <= end);
      if (block.length > 5) pts.push([end - 500 - now, median(block.map((r) => r[1] * 1000 - r[2]))]);
    }
    if (pts.length < 3) return NaN;
    const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
    const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
    const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    const sxy = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
    return my - (sxy / sxx) * mx;
  };
  return {
    async make(i, samples) {
      if (samples) click = samples;
      if (ctxs[i]) await ctxs[i].ctx.close();
      const ctx = new AudioContext({ latencyHint: 'playback', sampleRate: ${RATE} });
      const merger = ctx.createChannelMerger(2);
      merger.connect(ctx.destination);
      const buf = ctx.createBuffer(1, click.length, ${RATE});
      buf.copyToChannel(Float32Array.from(click), 0);
      const keep = ctx.createConstantSource();
      keep.offset.value = 0;
      keep.connect(merger, 0, i);
      keep.start();
      gens[i]++;
      born[i] = performance.now();
      ctxs[i] = { ctx, merger, buf };
      await ctx.resume();
    },
    epochNow: () => performance.timeOrigin + performance.now(),
    click(atEpoch, both) {
      const now = performance.now();
      const at = atEpoch - performance.timeOrigin;
      const est = [0, 1].map((i) => {
        const c = ctxs[i];
        if (!c) return null;
        const e = estimate(i, now);
        for (const input of both ? [0, 1] : [i]) {
          const src = c.ctx.createBufferSource();
          src.buffer = c.buf;
          src.connect(c.merger, 0, input);
          src.start((at + e) / 1000);
        }
        return e;
      });
      // What the other maps (ALTERNATIVES) would have said; only the 3 s median schedules.
      const alt = [0, 1].map((i) =>
        ctxs[i] ? ALTERNATIVES.map(([, span, kind]) => (kind === 'line' ? line(i, now, span) : estimate(i, now, span))) : null,
      );
      return { at: atEpoch, est, alt, gens: [...gens], ages: born.map((b) => now - b) };
    },
  };
})();
`;

interface Click {
  /** Performance time (ms; epoch-based with --remap) the click was scheduled for. */
  at: number;
  est: number[];
  /** Per context, the `ALTERNATIVES` maps at that moment. */
  alt: number[][];
  gens: number[];
  /** Per context, how long it had run (ms). */
  ages: number[];
}

interface OmApi {
  make(i: number, samples?: number[]): Promise<void>;
  epochNow(): number;
  click(
    atEpoch: number,
    both: boolean,
  ): { at: number; est: (number | null)[]; alt: (number[] | null)[]; gens: number[]; ages: number[] };
}

const median = (v: number[]) => quantile(v, 0.5);

/** An empty page served with the headers that make it cross-origin isolated. */
async function servePage(): Promise<{ server: Server; url: string }> {
  const server = createServer((_, res) => {
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>output map</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function main(): Promise<void> {
  const available = pulseAvailable();
  if (!available.ok) {
    console.log(`output-map skipped: ${available.reason}`);
    return;
  }
  const pulse = await startPulse({ channels: 2 });
  if (WARM_SEC > 0) await new Promise((resolve) => setTimeout(resolve, WARM_SEC * 1000));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-output-map-'));
  const isolated = await servePage();
  // One browser into the null sink itself, or (--remap) one per channel, each into its mono remap sink as the acoustic tests do.
  const sinks = REMAP ? pulse.channelSinks : [pulse.sink];
  const browsers = await Promise.all(
    sinks.map((sink) =>
      chromium.launch({
        executablePath: process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium',
        headless: true,
        ignoreDefaultArgs: ['--mute-audio'],
        args: ACOUSTIC_BROWSER_ARGS,
        env: { ...(process.env as Record<string, string>), ...pulse.env, PULSE_SINK: sink },
      }),
    ),
  );
  try {
    const pages = await Promise.all(browsers.map((b) => b.newPage()));
    // A cross-origin isolated page, as the app's are: its clocks (performance.now(), the output
    // timestamps' performanceTime) read to 5 µs instead of 100 µs.
    for (const page of pages) {
      await page.goto(isolated.url);
      if (!(await page.evaluate(() => globalThis.crossOriginIsolated)))
        throw new Error('page not cross-origin isolated');
      await page.evaluate(PAGE_SCRIPT);
    }
    /** The page holding context `i`. */
    const pageOf = (i: number) => pages[REMAP ? i : 0]!;
    const shape = makeClick(11);
    const samples = Array.from(
      { length: Math.ceil(shape.durationSec * RATE) },
      (_, k) => 0.5 * shape.at(k / RATE),
    );
    const make = (i: number) =>
      pageOf(i).evaluate(([k, s]) => (window as unknown as { __om: OmApi }).__om.make(k, s), [i, samples] as [
        number,
        number[],
      ]);
    await make(0);
    await make(1);
    // As the acoustic rig does (as root): each browser's audio service at realtime priority.
    for (const sink of sinks) await raiseAudioPriority(sink);
    await pages[0]!.waitForTimeout(1500);
    const file = path.join(dir, 'run.wav');
    const recording = await pulse.record(file);
    const clicks: Click[] = [];
    const plan: [number, number][] = [
      [SEC * 0.22, 1],
      [SEC * 0.44, 1],
      [SEC * 0.66, 0],
      [SEC * 0.83, 1],
    ];
    const t0 = Date.now();
    while (Date.now() - t0 < SEC * 1000) {
      const due = plan.findIndex(([at]) => (Date.now() - t0) / 1000 >= at);
      if (due >= 0) {
        await make(plan.splice(due, 1)[0]![1]);
        await pages[0]!.waitForTimeout(1200);
        continue;
      }
      const atEpoch =
        (await pages[0]!.evaluate(() => (window as unknown as { __om: OmApi }).__om.epochNow())) + 300;
      const results = await Promise.all(
        pages.map((page) =>
          page.evaluate(([at, both]) => (window as unknown as { __om: OmApi }).__om.click(at, both), [
            atEpoch,
            REMAP,
          ] as [number, boolean]),
        ),
      );
      clicks.push({
        at: atEpoch,
        est: [0, 1].map((i) => results[REMAP ? i : 0]!.est[i]!),
        alt: [0, 1].map((i) => results[REMAP ? i : 0]!.alt[i]!),
        gens: [0, 1].map((i) => results[REMAP ? i : 0]!.gens[i]!),
        ages: [0, 1].map((i) => results[REMAP ? i : 0]!.ages[i]!),
      });
      await pages[0]!.waitForTimeout(220 + Math.random() * 80);
    }
    await pages[0]!.waitForTimeout(600);
    await recording.stop();
    const audio = readWav(readFileSync(file));
    const heard = [0, 1].map((c) =>
      findOnsets(audio.channels[c]!, audio.sampleRate).map((o) => (o / audio.sampleRate) * 1000),
    );
    // The recording's time origin against performance time: the most common (onset − scheduled) difference.
    const votes = new Map<number, number>();
    for (const c of clicks.slice(0, 40))
      for (const o of heard[0]!.slice(0, 60))
        votes.set(Math.round((o - c.at) / 5), (votes.get(Math.round((o - c.at) / 5)) ?? 0) + 1);
    const origin = 5 * [...votes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const rows: {
      t: number;
      gens: number[];
      ages: number[];
      trueMs: number[];
      errMs: number[];
      altErrMs: number[][];
    }[] = [];
    for (const c of clicks) {
      const trueMs: number[] = [];
      for (const ch of [0, 1]) {
        const target = c.at + origin;
        const o = heard[ch]!.reduce(
          (b, x) => (Math.abs(x - target) < Math.abs(b - target) ? x : b),
          Infinity,
        );
        // The click was scheduled at context ms at + est and heard at o − origin performance ms.
        trueMs.push(Math.abs(o - target) > 30 ? NaN : c.est[ch]! - (o - origin - c.at));
      }
      if (trueMs.every(Number.isFinite))
        rows.push({
          t: (c.at - clicks[0]!.at) / 1000,
          gens: c.gens,
          ages: c.ages,
          trueMs,
          errMs: c.est.map((e, k) => e - trueMs[k]!),
          altErrMs: c.alt.map((spans, k) => spans.map((e) => e - trueMs[k]!)),
        });
    }
    console.log(`${clicks.length} clicks, ${rows.length} heard on both channels; every 8th:`);
    for (const r of rows.filter((_, k) => k % 8 === 0)) {
      const col = (k: number) =>
        `ctx${k}#${r.gens[k]} true ${r.trueMs[k]!.toFixed(3)} map−true ${r.errMs[k]!.toFixed(3)}`;
      console.log(`  ${r.t.toFixed(1).padStart(5)} s  ${col(0)} | ${col(1)}`);
    }
    const spread = (k: number) => {
      const byGen = new Map<number, number[]>();
      for (const r of rows) byGen.set(r.gens[k]!, [...(byGen.get(r.gens[k]!) ?? []), r.trueMs[k]!]);
      return [...byGen.values()].map((v) => (Math.max(...v) - Math.min(...v)).toFixed(3)).join(', ');
    };
    console.log(`true offset range within each context (ms): ctx0 ${spread(0)}; ctx1 ${spread(1)}`);
    const diff = rows.map((r) => r.errMs[1]! - r.errMs[0]!);
    const abs = diff.map(Math.abs);
    console.log(
      `map error, context 1 − context 0 (what puts two players apart): median ${median(diff).toFixed(3)} ms, ` +
        `|median| ${median(abs).toFixed(3)} ms, p95 |${quantile(abs, 0.95).toFixed(3)}| ms, max |${Math.max(...abs).toFixed(3)}| ms`,
    );
    // The same for maps over other spans, on clicks where both contexts had run longer than the span.
    for (const [j, [name, span]] of ALTERNATIVES.entries()) {
      const old = rows.filter((r) => r.ages.every((a) => a > span));
      const d = old.map((r) => r.altErrMs[1]![j]! - r.altErrMs[0]![j]!).map(Math.abs);
      const base = old.map((r) => r.errMs[1]! - r.errMs[0]!).map(Math.abs);
      if (d.length === 0) continue;
      console.log(
        `  ${name} instead: |median| ${median(d).toFixed(3)} ms, p95 |${quantile(d, 0.95).toFixed(3)}| ms ` +
          `(3 s map on the same ${d.length} clicks: |median| ${median(base).toFixed(3)}, p95 |${quantile(base, 0.95).toFixed(3)}| ms)`,
      );
    }
    const first = rows[0]!;
    const last = rows.at(-1)!;
    console.log(
      `common map error moved ${(last.errMs[1]! - first.errMs[1]!).toFixed(2)} ms over ${(last.t - first.t).toFixed(0)} s: ` +
        `the sink's sample clock against the performance clock`,
    );
  } finally {
    for (const b of browsers) await b.close();
    isolated.server.close();
    await pulse.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
