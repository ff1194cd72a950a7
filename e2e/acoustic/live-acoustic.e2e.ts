/**
 * A live source heard for real (#22 item 5): a pipe source on the holder, fed by the test with a click
 * train in real time, played by two peers' windows, each into its own channel of the rig's sink. The
 * recording gives (a) how far apart the two windows' clicks were and (b) each window's source-to-speaker
 * latency: from the moment a click's block was due in the FIFO to the moment the sink played it, both on
 * this process's clock (`live-room.ts`: a paced writer process, `recordTimed` for the recording).
 * One take, no retakes.
 */
import { expect, test } from '@playwright/test';
import { startLiveRoom, type LiveRoom, type LiveTake } from '../../test/support/acoustic/live-room';
import { pulseAvailable } from '../../test/support/acoustic/pulse';
import { formatOffsets, startAcousticRig, type AcousticRig } from '../../test/support/acoustic/rig';

const pulse = pulseAvailable();
if (!pulse.ok) console.log(`acoustic live test skipped: ${pulse.reason}`);

const CLICKS = 40;
const DELAY_MS = 300;

/**
 * Limits drawn from the measured spread: eight takes on the 2-core dev machine (2026-12-06, tuned rig, load
 * 4-9 from other work; seven of this test, two of `bench:live`). Offset between the windows: medians −0.65 to
 * +0.22 ms, p95 0.18–6.9 ms (the high ones: one page's placement moving 3-7 ms for part of a take, as in the
 * acoustic peers test); twelve more takes since, two of them in full `.ci/run`s, medians −0.65 to +1.11 ms (the
 * 1.11 in a `.ci/run`, both windows otherwise clean: p95 1.46). Both windows play the same stamps, so this is
 * the two pages' output maps, and the limit is the acoustic engine tests' 1.5 ms. Latency, click against click within a take: p95 |latency − its median| 0.3–8 ms (a frame
 * misplaced by a packet would be 20 ms). Latency itself: see the last test.
 */
const LIMITS = { offsetMedianMs: 1.5, offsetP95Ms: 10, latencySpreadP95Ms: 10, latencyEarlyMs: 1 };

let rig: AcousticRig | null = null;
let live: LiveRoom | null = null;
test.afterEach(async () => {
  await live?.close();
  await rig?.stop();
  live = rig = null;
});

function report(take: LiveTake): void {
  const [holder, follower] = take.latency;
  console.log(formatOffsets(`live: source peer's window, latency − ${take.delayMs} ms`, holder));
  console.log(formatOffsets(`live: member's window, latency − ${take.delayMs} ms`, follower));
  console.log(formatOffsets('live: member against source peer', take.offsets));
  const late = take.lateWrites;
  console.log(
    `live: time base corrected by the sink's render-ahead, ${take.renderAheadMs ?? 'unread'} ms; writes late by > 1 ms: ${late.count} of ${late.of} (latest ${late.maxMs.toFixed(2)} ms); source re-anchors ${take.source.reanchors}, frames dropped ${take.source.droppedFrames}`,
  );
}

async function liveTake(): Promise<LiveTake> {
  rig = await startAcousticRig(2);
  live = await startLiveRoom({ rig, delayMs: DELAY_MS, log: (line) => console.log(line) });
  const take = await live.take(CLICKS);
  report(take);
  return take;
}

test.describe('acoustic: a live source through two peers', () => {
  test.skip(!pulse.ok, pulse.ok ? '' : pulse.reason);
  test.describe.configure({ timeout: 240_000 });

  test('clicks written into a pipe are heard on both windows together, in time with each other', async () => {
    const take = await liveTake();
    for (const latency of take.latency) {
      expect(latency.count).toBeGreaterThanOrEqual(Math.floor(CLICKS * 0.8));
      // Never before they were written + the delay, and each click as late as the others: the stream is
      // placed by its stamps, frame for frame.
      expect(latency.medianMs).toBeGreaterThanOrEqual(-LIMITS.latencyEarlyMs);
      const spread = latency.offsetsMs.map((o) => Math.abs(o - latency.medianMs)).sort((a, b) => a - b);
      expect(spread[Math.ceil(spread.length * 0.95) - 1]).toBeLessThanOrEqual(LIMITS.latencySpreadP95Ms);
    }
    expect(take.offsets.count).toBeGreaterThanOrEqual(Math.floor(CLICKS * 0.8));
    expect(Math.abs(take.offsets.medianMs)).toBeLessThanOrEqual(LIMITS.offsetMedianMs);
    expect(take.offsets.p95AbsMs).toBeLessThanOrEqual(LIMITS.offsetP95Ms);
  });

  // The latency itself. The source peer used to stamp a stream from its first read, which comes late (the peer is
  // busy starting the stream): 2.8 and 2.9 ms over the delay in a .ci/run, 5-14 ms in earlier takes. It now holds
  // the first reads for a third of the delay and places the stream by the promptest of them (`stamper.ts`): twelve
  // windows in six takes (2026-12-06, tuned rig, load 4-6) heard the clicks 0.70-2.02 ms after write + delay (all
  // but one 0.70-1.23). The limit of 5 ms is for the whole chain under a full suite's load; the ±1 ms target is
  // `bench:live`'s.
  test('the clicks are heard the delay after they were written, within a few ms', async () => {
    const take = await liveTake();
    for (const latency of take.latency) expect(Math.abs(latency.medianMs)).toBeLessThanOrEqual(5);
  });
});
