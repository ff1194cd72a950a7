/**
 * The acoustic part of `npm run bench:live` (#22 item 4): a pipe source on one peer, fed in real time
 * with a click train, played by two peers' windows into the rig's sink (`live-room.ts`). Prints each
 * window's source-to-speaker latency (a click written into the FIFO → the sink playing it) with the
 * default delay (300 ms) and with it lowered to 200 ms, and the offset between the two windows over both
 * takes, each next to its target.
 */
import { summarize, type OffsetReport } from '../test/support/acoustic/analyze';
import { startLiveRoom, type LiveTake } from '../test/support/acoustic/live-room';
import { pulseAvailable, tunedPriorities } from '../test/support/acoustic/pulse';
import { startAcousticRig } from '../test/support/acoustic/rig';

export interface LiveAcousticOptions {
  /** Clicks per take (about 4 per second). */
  clicks: number;
  /** How long the pages' audio runs before the room plays the source (s). */
  settleSec: number;
  /** The source's codec (`--pcm`: PCM, else Opus). */
  codec: 'opus' | 'pcm';
}

const TARGET = { exactMs: 1, lowDelayMs: 200, lowMaxMs: 250, medianMs: 0.1, p95Ms: 0.5 };
const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const mark = (met: boolean) => (met ? 'MET   ' : 'MISSED');

/** Latencies (ms) of one window's clicks: the delay plus how late each was heard. */
function latencies(take: LiveTake, window: 0 | 1): number[] {
  return take.latency[window].offsetsMs.map((o) => take.delayMs + o);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function latencyLine(take: LiveTake, window: 0 | 1): string {
  const ms = latencies(take, window);
  const report = take.latency[window];
  return `${['source peer', 'member     '][window]}: median ${f(quantile(ms, 0.5))} ms, p5 ${f(quantile(ms, 0.05))}, p95 ${f(quantile(ms, 0.95))}, min ${f(Math.min(...ms))}, max ${f(Math.max(...ms))} (${report.count} clicks, ${report.unmatched} unmatched)`;
}

/** Runs the acoustic takes and prints their figures; skips with the reason where the rig cannot run. */
export async function measureLiveAcoustic(options: LiveAcousticOptions): Promise<void> {
  const pulse = pulseAvailable();
  if (!pulse.ok) {
    console.log(`acoustic part skipped: ${pulse.reason}`);
    return;
  }
  console.log(
    `acoustic: two peers' windows, one channel each, ${options.codec === 'pcm' ? 'PCM' : 'Opus'}; realtime priorities ${tunedPriorities() ? 'on' : 'off'} (FIREFLY_ACOUSTIC_RT); ${options.clicks} clicks per take, pages' audio ${options.settleSec} s old`,
  );
  const rig = await startAcousticRig(2);
  try {
    const live = await startLiveRoom({
      rig,
      delayMs: 300,
      settleSec: options.settleSec,
      codec: options.codec,
    });
    const takes: LiveTake[] = [];
    try {
      takes.push(await live.take(options.clicks));
      await live.setDelay(TARGET.lowDelayMs);
      takes.push(await live.take(options.clicks));
    } finally {
      await live.close();
    }
    const [normal, low] = takes as [LiveTake, LiveTake];
    const exact = [0, 1].every(
      (w) => Math.abs(quantile(latencies(normal, w as 0 | 1), 0.5) - 300) <= TARGET.exactMs,
    );
    console.log(`${mark(exact)} source → speaker, delay 300 ms (target median 300 ± ${TARGET.exactMs} ms):`);
    for (const w of [0, 1] as const) console.log(`         ${latencyLine(normal, w)}`);
    const lowMax = Math.max(...latencies(low, 0), ...latencies(low, 1));
    console.log(
      `${mark(lowMax <= TARGET.lowMaxMs)} source → speaker, delay ${TARGET.lowDelayMs} ms (target ≤ ${TARGET.lowMaxMs} ms, every click):`,
    );
    for (const w of [0, 1] as const) console.log(`         ${latencyLine(low, w)}`);
    const pooled: OffsetReport = summarize(
      takes.flatMap((t) => t.offsets.offsetsMs),
      takes.flatMap((t) => t.offsets.onsetsSec),
      takes.reduce((n, t) => n + t.offsets.unmatched, 0),
    );
    const together = Math.abs(pooled.medianMs) <= TARGET.medianMs && pooled.p95AbsMs <= TARGET.p95Ms;
    console.log(
      `${mark(together)} offset member − source peer, both takes (target |median| ≤ ${TARGET.medianMs} ms, p95 ≤ ${TARGET.p95Ms} ms): median ${f(pooled.medianMs, 3)} ms, p95 |${f(pooled.p95AbsMs, 3)}| ms, max |${f(pooled.maxAbsMs, 3)}| ms, ${pooled.count} clicks (300 ms take: median ${f(normal.offsets.medianMs, 3)}, p95 ${f(normal.offsets.p95AbsMs, 3)}; 200 ms take: ${f(low.offsets.medianMs, 3)}, ${f(low.offsets.p95AbsMs, 3)})`,
    );
    console.log(
      `         time base: this process's clock for writes and the recording; the recording's start corrected by the sink's render-ahead (${takes.map((t) => t.renderAheadMs ?? 'unread').join(', ')} ms); writes late by > 1 ms: ${takes.map((t) => `${t.lateWrites.count} of ${t.lateWrites.of} (latest ${f(t.lateWrites.maxMs)} ms)`).join(', ')}; the source placed its stream anew ${takes.map((t) => t.source.reanchors).join(', ')} times, dropped ${takes.map((t) => t.source.droppedFrames).join(', ')} frames`,
    );
  } finally {
    await rig.stop();
  }
}
