/**
 * Reads a take's raw output readings (`bench:sync --dump-readings DIR`, `readings-take.ts`) and prints, per
 * page:
 * - every second from the track's start (the seconds before the play too when the dump holds them): the
 *   median of `reading − render clock` and of `outputLatency`: the latency the readings report, two ways;
 * - every half second: the median of its readings' offset (context ms − performance ms, from the first
 *   reading) and the latest its render clock ran (the maximum of `currentTime` ms − the machine's ms, from
 *   the first): two views of where the output is, one precise and one coarse but from another source;
 * - every click: when it was heard against the track (`heard`, ms, both channels against the holder's
 *   median), the engine's sync error then (`error`, + = ahead), and `heard + error − map`: constant while
 *   the map follows the sound, moving by as much as the map moved without it.
 *
 * Usage: npx tsx bench/readings-report.ts FILE.json
 */
import { readFileSync } from 'node:fs';
import { median } from '../src/renderer/audio/median';
import type { OutputReading, ReadingsDump } from './readings-take';

const dump = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ReadingsDump;
const clicksMs = dump.clickTimesSec.map((s) => s * 1000);
const f = (v: number | null | undefined, w = 7) =>
  (v === null || v === undefined ? '-' : v.toFixed(2)).padStart(w);

/** Pairs onsets with clicks: the shift that pairs the most within 30 ms, tried from the first three onsets. */
function pair(onsets: number[]): Map<number, number> {
  let best = new Map<number, number>();
  for (const first of onsets.slice(0, 3))
    for (const click of clicksMs) {
      const shift = first - click;
      const found = new Map<number, number>();
      for (const onset of onsets) {
        const k = clicksMs.findIndex((c) => Math.abs(c + shift - onset) < 30);
        if (k >= 0 && !found.has(k)) found.set(k, onset);
      }
      if (found.size > best.size) best = found;
    }
  return best;
}

const paired = dump.onsetsEpochMs.map(pair);
const common = [...paired[0]!.keys()].filter((k) => paired[1]?.has(k));
const reference = median(common.map((k) => paired[0]!.get(k)! - clicksMs[k]!));
const offsetOf = (r: OutputReading) => r.contextTime * 1000 - r.performanceEpochMs;
const aheadOf = (r: OutputReading) => r.currentTime * 1000 - r.epochMs;

dump.samples.forEach((raw, page) => {
  const all = raw.filter((r): r is OutputReading => r !== null);
  // From half a second before the track started (a dump may hold the seconds before the play too).
  const readings = all.filter((r) => r.epochMs >= reference - 500);
  if (!readings.length) return;
  const first = readings[0]!;
  console.log(
    `\n${['holder', 'follower'][page]}: ${readings.length} readings; engine: ${dump.events[page]?.join('; ')}`,
  );
  const blocks = new Map<number, OutputReading[]>();
  for (const r of readings) {
    const block = Math.floor((r.epochMs - first.epochMs) / 500);
    blocks.set(block, [...(blocks.get(block) ?? []), r]);
  }
  console.log(
    '  every 0.5 s (s: readings ms / render clock ms): ' +
      [...blocks]
        .map(
          ([b, rs]) =>
            `${(b / 2).toFixed(1)} ${(median(rs.map(offsetOf)) - offsetOf(first)).toFixed(1)}/${(Math.max(...rs.map(aheadOf)) - aheadOf(first)).toFixed(1)}`,
        )
        .join(', '),
  );
  // What the readings say the latency is, against the render clock and as `outputLatency` (Chromium reports it
  // in steps of 8 ms), each second from the page's first reading (the seconds before the play too, if kept).
  const seconds = new Map<number, OutputReading[]>();
  for (const r of all) {
    const s = Math.floor((r.epochMs - reference) / 1000);
    seconds.set(s, [...(seconds.get(s) ?? []), r]);
  }
  console.log(
    '  every 1 s from the track start (s: readings − render clock ms / outputLatency ms): ' +
      [...seconds]
        .map(
          ([s, rs]) =>
            `${s} ${median(rs.map((r) => offsetOf(r) - aheadOf(r))).toFixed(1)}/${(median(rs.map((r) => r.outputLatency)) * 1000).toFixed(0)}`,
        )
        .join(', '),
  );
  console.log('   t (s)   heard   error  heard+error−map');
  const onsets = paired[page] ?? new Map<number, number>();
  for (const [k, onset] of [...onsets].sort((a, b) => a[0] - b[0])) {
    // The reading 100 ms before the click was heard: the engine rendered it about then.
    const r = [...readings].reverse().find((x) => x.epochMs <= onset - 100) ?? first;
    const heard = onset - clicksMs[k]! - reference;
    const error = r.syncErrorMs ?? 0;
    const map = (r.mapOffsetMs ?? NaN) - (first.mapOffsetMs ?? NaN);
    console.log(
      `  ${f((onset - first.epochMs) / 1000)} ${f(heard)} ${f(r.syncErrorMs)} ${f(heard + error - map, 10)}`,
    );
  }
});

/**
 * The two pages' sound corrected by what their engines did (`heard + error − map`, per click from 4 s into
 * the track on), put against a map taken from each page's readings (their median over the last 3 s) or
 * from its render clock (the median of `currentTime·1000 − now` since 2.5 s, plus a latency both pages share,
 * which cancels between them): how far apart the pages would have played with each (docs/sync.md). Needs a
 * map that follows the readings (the as-built engine of 2026-12-07): each page's map is placed against its readings by the median of their difference.
 */
function whatIfMaps(): void {
  const pages = dump.samples.map((raw, page) => {
    const s = raw.filter((r): r is OutputReading => r !== null);
    const t = s.map((r) => (r.epochMs - reference) / 1000);
    const offsets = s.map(offsetOf);
    const aheads = s.map(aheadOf);
    const since = (i: number, fromSec: number, values: number[]) =>
      median(
        values.slice(
          t.findIndex((x) => x >= fromSec),
          i + 1,
        ),
      );
    const placed = s
      .map((r, i) =>
        t[i]! > 4 && r.mapOffsetMs !== null ? r.mapOffsetMs - since(i, t[i]! - 3, offsets) : NaN,
      )
      .filter(Number.isFinite);
    return {
      s,
      t,
      offsets,
      aheads,
      since,
      origin: median(placed),
      onsets: paired[page]!,
    };
  });
  const byReadings: number[] = [];
  const byRenderClock: number[] = [];
  for (const k of common) {
    const at = pages.map((p) => {
      const onset = p.onsets.get(k)!;
      const i = p.s.findLastIndex((r) => r.epochMs <= onset - 100);
      if (i < 0 || p.t[i]! < 4) return null;
      const r = p.s[i]!;
      const corrected = onset - clicksMs[k]! + (r.syncErrorMs ?? 0) - (r.mapOffsetMs! - p.origin);
      return {
        readings: corrected + p.since(i, p.t[i]! - 3, p.offsets),
        renderClock: corrected + p.since(i, 2.5, p.aheads),
      };
    });
    const [h, f] = at;
    if (!h || !f) continue;
    byReadings.push(f.readings - h.readings);
    byRenderClock.push(f.renderClock - h.renderClock);
  }
  const describe = (v: number[]) => {
    const m = median(v);
    const dev = v.map((x) => Math.abs(x - m)).sort((a, b) => a - b);
    return `median ${m.toFixed(2)} ms, clicks within ${(dev[Math.ceil(0.95 * dev.length) - 1] ?? NaN).toFixed(2)} ms of it (p95), |max| ${Math.max(...v.map(Math.abs)).toFixed(2)}`;
  };
  console.log(
    `\nfollower − holder from 4 s on (${byReadings.length} clicks), had the engines followed a map`,
  );
  console.log(`  from the readings (3 s median): ${describe(byReadings)}`);
  console.log(`  from the render clock:          ${describe(byRenderClock)}`);
}
whatIfMaps();
