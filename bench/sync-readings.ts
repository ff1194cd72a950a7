/**
 * Diagnostic for the acoustic sync work (not part of `npm run bench`): plays one long click track
 * through a holder and a follower peer, records both channels, and prints, per time bin, the
 * acoustic offset (follower − holder) beside each page's raw `getOutputTimestamp()` reading
 * (contextTime·1000 − performanceTime, relative to its first seconds) and each engine's rate and
 * sync error. It shows which of the clock map's movements the sound really made. Beside each raw
 * reading it prints the page's render progress, performance.now() − currentTime·1000 (the lowest of
 * each bin, relative to the same base): it moves when the page's rendering really fell behind (a stall
 * anywhere up to the device pulls fewer frames), not when only the reported latency changes. Read
 * from the page's timers, its lowest value per 1 s bin still jitters by about ±4 ms (measured), so it
 * tells only large moves apart.
 *
 *   npx tsx bench/sync-readings.ts [--sec 60] [--bin 5] [--settle-sec 3] [--no-correction] [--next-min N | --next-wav-sec N] [--recorder-lead-sec N] [--warmup | --warmup-other | --warm-decode] [--decode-at-sec S] [--skew]
 *
 * `--settle-sec N` waits until the pages' audio has run N s before the play (3 by default); the raw
 * readings are shown relative to their median over the 3 s before the play.
 *
 * `--next-wav-sec N` puts an N s stereo WAV click track after the played track instead (as bench:sync's track c).
 *
 * `--next-min N` puts an N-minute FLAC after the played track in the queue, so the pages decode it
 * (`NEXT_TRACK_DELAY_MS` after the played track is ready) while the take runs.
 *
 * `--recorder-lead-sec N` starts the recording N s before the play (the table's time 0 is the recorder's start).
 *
 * `--warmup` plays the track for 3 s and stops it `--warmup-gap-sec` (8) s before the measured play, which then finds it decoded;
 * `--warmup-other` plays another track instead, so the measured play still fetches and decodes its own.
 *
 * `--warm-decode` only decodes a short WAV in each page 8 s before the measured play.
 *
 * `--decode-at-sec S [--decode-sec N]` has both pages decode an N s (30) stereo WAV, handed to them before the
 * take, S s into it, as the app decodes the next track.
 *
 * `--skew` starts the follower with `--clock-offset-ms 250 --clock-skew-ppm 150`, as bench:sync's second room.
 *
 * `--no-correction` makes the pages ignore the engine's playbackRate changes (an init script
 * replaces `setValueAtTime` on each source's playbackRate), so the sound runs on the device clock
 * as first scheduled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPeerRoom } from '../test/support/acoustic/peer-room';
import { writeWav } from '../test/support/acoustic/wav';
import { makeClickTrack, pulseAvailable, startAcousticRig } from '../test/support/acoustic/rig';

const argv = process.argv.slice(2);
const numberFlag = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
};
const SEC = numberFlag('--sec', 60);
const BIN = numberFlag('--bin', 5);
const NO_CORRECTION = argv.includes('--no-correction');
const SETTLE_SEC = numberFlag('--settle-sec', 3);
const NEXT_MIN = numberFlag('--next-min', 0);
const RECORDER_LEAD_SEC = numberFlag('--recorder-lead-sec', 0);
const WARMUP_OTHER = argv.includes('--warmup-other');
const WARMUP = WARMUP_OTHER || argv.includes('--warmup');
const WARMUP_GAP_SEC = numberFlag('--warmup-gap-sec', 8);
const WARM_DECODE = argv.includes('--warm-decode');
const DECODE_AT_SEC = numberFlag('--decode-at-sec', 0);
const NEXT_WAV_SEC = numberFlag('--next-wav-sec', 0);
const SKEW = argv.includes('--skew');
const DECODE_SEC = numberFlag('--decode-sec', 30);

/** [epoch ms, raw offset ms, render progress ms] every 20 ms; [epoch ms, rate, sync error ms] every second. */
type Raw = [number, number, number][];
type Engine = [number, number, number | null][];

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[s.length >> 1]!;
};
const f = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

async function main(): Promise<void> {
  const available = pulseAvailable();
  if (!available.ok) {
    console.log(`sync-readings skipped: ${available.reason}`);
    return;
  }
  const track = makeClickTrack(Math.round(SEC / 0.25), 48_000, 23, { timingSeed: 29, channels: 1 });
  const work = mkdtempSync(path.join(os.tmpdir(), 'firefly-sync-readings-'));
  const rig = await startAcousticRig(2);
  try {
    const lib = path.join(work, 'lib');
    mkdirSync(lib);
    writeFileSync(path.join(lib, 'long.wav'), track.wav);
    const warm = makeClickTrack(12, 48_000, 41, { timingSeed: 43, channels: 1 });
    if (WARMUP_OTHER) writeFileSync(path.join(lib, 'warm.wav'), warm.wav);
    if (NEXT_WAV_SEC > 0) {
      // As bench:sync's track c: a stereo 16-bit click track, clicks 0.2-0.3 s apart.
      const next = makeClickTrack(Math.round(NEXT_WAV_SEC / 0.25), 48_000, 17, {
        timingSeed: 19,
        minGapSec: 0.2,
        maxGapSec: 0.3,
      });
      writeFileSync(path.join(lib, 'next.wav'), next.wav);
    }
    if (NEXT_MIN > 0) {
      const next = makeClickTrack(Math.round((NEXT_MIN * 60) / 0.25), 48_000, 31, {
        timingSeed: 37,
        channels: 1,
      });
      const wav = path.join(work, 'next.wav');
      writeFileSync(wav, next.wav);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'flac', path.join(lib, 'next.flac')]);
      rmSync(wav);
    }
    const room = await startPeerRoom({
      rig,
      libraryDir: lib,
      log: (l) => console.log(l),
      ...(SKEW ? { followerArgs: ['--clock-offset-ms', '250', '--clock-skew-ppm', '150'] } : {}),
    });
    try {
      for (const page of room.pages) {
        await page.addInitScript((noCorrection: boolean) => {
          const w = window as unknown as Record<string, unknown>;
          const raw: [number, number, number][] = [];
          w.__raw = raw;
          const Base = window.AudioContext;
          window.AudioContext = class extends Base {
            constructor(options?: AudioContextOptions) {
              super(options);
              w.__ctx = this;
              setInterval(() => {
                const ts = this.getOutputTimestamp();
                const now = performance.now();
                raw.push([
                  performance.timeOrigin + now,
                  (ts.contextTime ?? 0) * 1000 - (ts.performanceTime ?? 0),
                  now - this.currentTime * 1000,
                ]);
              }, 20);
            }
          };
          if (noCorrection) {
            const Source = window.AudioBufferSourceNode;
            window.AudioBufferSourceNode = class extends Source {
              constructor(context: BaseAudioContext, options?: AudioBufferSourceOptions) {
                super(context, options);
                this.playbackRate.setValueAtTime = () => this.playbackRate;
              }
            };
          }
        }, NO_CORRECTION);
        await page.reload();
      }
      await Promise.all(
        room.pages.map((p) =>
          p.waitForFunction(
            (settleSec) => {
              const hook = window.__fireflyAudio;
              const ctx = hook?.context();
              return (
                !!hook &&
                !!ctx &&
                ctx.currentTime > settleSec &&
                hook.outputClock() !== null &&
                hook.groupNow() !== null
              );
            },
            SETTLE_SEC,
            { polling: 100, timeout: (SETTLE_SEC + 60) * 1000 },
          ),
        ),
      );
      const listed = await room.tracks();
      const t = listed.find((x) => Math.abs(x.durationSec - track.durationSec) < 0.5);
      console.log(
        `tracks: ${listed.map((x) => x.durationSec.toFixed(2)).join(', ')} s; played ${track.durationSec.toFixed(2)} s`,
      );
      if (!t) throw new Error('the room does not list the played track');
      if (NEXT_MIN > 0)
        console.log(`queue order: ${listed.map((x) => x.durationSec.toFixed(0) + ' s').join(', ')}`);
      if (WARMUP) {
        // Plays the track for 3 s and stops, so the measured play finds it decoded and the output warm.
        const w = WARMUP_OTHER ? listed.find((x) => x.trackId !== t.trackId) : t;
        if (!w) throw new Error('the room does not list the warm-up track');
        await room.command(room.follower, 'play', { trackId: w.trackId });
        await room.waitPlaying(w.trackId);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await room.command(room.holder, 'stop');
        await new Promise((resolve) => setTimeout(resolve, WARMUP_GAP_SEC * 1000));
      }
      if (WARM_DECODE) {
        // Only decodes a short WAV in each page (nothing played), 8 s before the measured play.
        const bytes = [...makeClickTrack(2, 48_000, 47, { channels: 1 }).wav];
        for (const page of room.pages)
          await page.evaluate(async (b) => {
            const ctx = (window as unknown as { __ctx: AudioContext }).__ctx;
            await ctx.decodeAudioData(new Uint8Array(b).buffer);
          }, bytes);
        await new Promise((resolve) => setTimeout(resolve, 8000));
      }
      if (DECODE_AT_SEC > 0) {
        // A stereo 16-bit WAV of DECODE_SEC seconds of quiet noise, handed to each page now, outside the take.
        const noise = () =>
          Float32Array.from({ length: 48_000 * DECODE_SEC }, () => (Math.random() - 0.5) * 0.006);
        const wav = Buffer.from(writeWav({ sampleRate: 48_000, channels: [noise(), noise()] }, 'pcm16'));
        for (const page of room.pages)
          await page.evaluate((b64) => {
            (window as unknown as { __decodeMe: ArrayBuffer }).__decodeMe = Uint8Array.from(atob(b64), (c) =>
              c.charCodeAt(0),
            ).buffer;
          }, wav.toString('base64'));
      }
      for (const page of room.pages) {
        await page.evaluate(() => {
          const w = window as unknown as Record<string, unknown>;
          const raw = w.__raw as [number, number, number][];
          // Keeps the last 3 s before the play as the base.
          raw.splice(
            0,
            raw.findIndex((x) => x[0] >= performance.timeOrigin + performance.now() - 3000),
          );
          const engine: [number, number, number | null][] = [];
          w.__engine = engine;
          setInterval(() => {
            const s = window.__fireflyAudio!.snapshot();
            engine.push([performance.timeOrigin + performance.now(), s.playbackRate, s.syncErrorMs]);
          }, 1000);
        });
      }
      const t0 = Date.now();
      const recording = await rig.recordWhile(async () => {
        if (RECORDER_LEAD_SEC > 0)
          await new Promise((resolve) => setTimeout(resolve, RECORDER_LEAD_SEC * 1000));
        await room.command(room.follower, 'play', { trackId: t.trackId });
        await room.waitPlaying(t.trackId);
        if (DECODE_AT_SEC > 0) {
          // Both pages decode the WAV handed to them before the take, at the same moment.
          await new Promise((resolve) => setTimeout(resolve, DECODE_AT_SEC * 1000));
          const started = Date.now() - t0;
          const took = await Promise.all(
            room.pages.map((page) =>
              page.evaluate(async () => {
                const bytes = (window as unknown as { __decodeMe: ArrayBuffer }).__decodeMe;
                const ctx = (window as unknown as { __ctx: AudioContext }).__ctx;
                const began = performance.now();
                await ctx.decodeAudioData(bytes);
                return performance.now() - began;
              }),
            ),
          );
          console.log(
            `decode of ${DECODE_SEC} s at ${(started / 1000).toFixed(1)} s took ${took.map((ms) => ms.toFixed(0)).join(' / ')} ms`,
          );
        }
        await room.waitPosition(SEC - 2, { intervalMs: 500, timeoutMs: (SEC + 60) * 1000 });
      });
      const raws = (await Promise.all(
        room.pages.map((p) => p.evaluate(() => (window as unknown as { __raw: Raw }).__raw)),
      )) as [Raw, Raw];
      const engines = (await Promise.all(
        room.pages.map((p) => p.evaluate(() => (window as unknown as { __engine: Engine }).__engine)),
      )) as [Engine, Engine];
      const pair = recording.pairs[0]!;
      console.log(
        `acoustic offset (follower − holder): median ${f(pair.medianMs)} ms, p95 |${f(pair.p95AbsMs)}| ms, ${pair.count} clicks; engine rate changes ${NO_CORRECTION ? 'ignored' : 'applied'}`,
      );
      const base = raws.map((r) => median(r.filter((x) => x[0] < t0).map((x) => x[1])));
      // Render progress: its lowest value is the moment just after a render callback; the base is the lowest before the play.
      const progressBase = raws.map((r) => Math.min(...r.filter((x) => x[0] < t0).map((x) => x[2])));
      const inBin = <T extends [number, ...unknown[]]>(rows: T[], k: number) =>
        rows.filter((x) => Math.floor((x[0] - t0) / 1000 / BIN) === k);
      console.log(
        '  t (s) | acoustic ms | holder raw Δ ms (min..max) | follower raw Δ ms (min..max) | holder, follower render progress Δ ms (lowest) | holder rate ppm, error ms | follower rate ppm, error ms',
      );
      for (let k = -1; k * BIN < SEC + 5; k++) {
        const ac = pair.offsetsMs.filter((_, i) => Math.floor(pair.onsetsSec[i]! / BIN) === k);
        const cols = raws.map((r, i) => {
          const v = inBin(r, k).map((x) => x[1] - base[i]!);
          return v.length ? `${f(median(v))} (${f(Math.min(...v), 2)}..${f(Math.max(...v), 2)})` : '-';
        });
        const progress = raws.map((r, i) => {
          const v = inBin(r, k).map((x) => x[2] - progressBase[i]!);
          return v.length ? f(Math.min(...v), 2) : '-';
        });
        const eng = engines.map((e) => {
          const last = inBin(e, k).at(-1);
          return last ? `${f((last[1] - 1) * 1e6, 1)}, ${last[2] ?? '-'}` : '-';
        });
        console.log(
          `  ${String(k * BIN).padStart(5)} | ${f(median(ac))} | ${cols[0]} | ${cols[1]} | ${progress[0]}, ${progress[1]} | ${eng[0]} | ${eng[1]}`,
        );
      }
    } finally {
      await room.close();
    }
  } finally {
    await rig.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
