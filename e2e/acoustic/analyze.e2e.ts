/**
 * The acoustic analyser against synthetic recordings with known offsets. A Playwright spec so
 * it runs with the acoustic test (it needs no browser).
 */
import { expect, test } from '@playwright/test';
import { analyzeWav, findOnsets, measureOffsets } from '../../test/support/acoustic/analyze';
import { clickTimes, makeClick, renderClicks, seededRandom } from '../../test/support/acoustic/signals';
import { readWav, writeWav } from '../../test/support/acoustic/wav';

const RATE = 48_000;
const click = makeClick(3);
const times = clickTimes(30);
const lengthSec = times.at(-1)! + 0.5;

test('finds a 0.37 ms offset between channels of a float32 WAV to within 0.02 ms', () => {
  const left = renderClicks(click, times, RATE, lengthSec);
  const right = renderClicks(click, times, RATE, lengthSec, 0.37e-3);
  const report = analyzeWav(writeWav({ sampleRate: RATE, channels: [left, right] }));
  console.log(
    `synthetic 0.37 ms: median ${report.medianMs.toFixed(4)} ms, max |err| ${Math.max(...report.offsetsMs.map((o) => Math.abs(o - 0.37))).toFixed(4)} ms`,
  );
  expect(report.count).toBe(30);
  expect(report.unmatched).toBe(0);
  for (const offset of report.offsetsMs) expect(Math.abs(offset - 0.37)).toBeLessThan(0.02);
  expect(Math.abs(report.onsetsSec[0]! - times[0]!)).toBeLessThan(click.durationSec);
});

test('measures varying offsets of either sign, in noise, from a 16-bit file', () => {
  const random = seededRandom(11);
  const delays = times.map((_, i) => (i % 2 ? -1 : 1) * (0.05 + random() * 2.5) * 1e-3);
  const left = renderClicks(click, times, RATE, lengthSec);
  const right = new Float32Array(left.length);
  times.forEach((t, i) =>
    right.set(renderClicks(click, [t], RATE, lengthSec, delays[i]).map((v, k) => v + right[k]!)),
  );
  for (const ch of [left, right]) for (let k = 0; k < ch.length; k++) ch[k]! += (random() - 0.5) * 2e-3;
  const audio = readWav(writeWav({ sampleRate: RATE, channels: [left, right] }, 'pcm16'));
  const report = measureOffsets(audio.channels[0]!, audio.channels[1]!, RATE);
  expect(report.count).toBe(times.length);
  report.offsetsMs.forEach((offset, i) => expect(Math.abs(offset - delays[i]! * 1000)).toBeLessThan(0.02));
  const worst = Math.max(...delays.map(Math.abs)) * 1000;
  expect(report.maxAbsMs).toBeCloseTo(worst, 1);
});

test('reports clicks missing on one channel as unmatched and ignores silence', () => {
  const left = renderClicks(click, times, RATE, lengthSec);
  const right = renderClicks(click, times.slice(5), RATE, lengthSec, 1e-3);
  const report = measureOffsets(left, right, RATE);
  expect(report.count).toBe(times.length - 5);
  expect(report.unmatched).toBe(5);
  expect(findOnsets(new Float32Array(RATE), RATE)).toEqual([]);
});

test('reads a WAV whose data size was never filled in (a recording cut short)', () => {
  const left = renderClicks(click, times.slice(0, 3), RATE, 1.5);
  const bytes = writeWav({ sampleRate: RATE, channels: [left, left] });
  new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
  const audio = readWav(bytes);
  expect(audio.channels[1]!.length).toBe(left.length);
  expect(audio.channels[1]![findOnsets(left, RATE)[0]!]).toBeCloseTo(left[findOnsets(left, RATE)[0]!]!, 6);
});
