/**
 * Reads a take's raw output readings (`bench:sync --dump-readings DIR`, `readings-take.ts`) and prints, per
 * page:
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
import type { OutputReading, ReadingsDump } from './readings-take';

const dump = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ReadingsDump;
const clicksMs = dump.clickTimesSec.map((s) => s * 1000);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? NaN;
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
  const readings = raw.filter((r): r is OutputReading => r !== null);
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
