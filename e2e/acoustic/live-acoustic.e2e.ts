/**
 * A live source heard for real (#22 item 5): a pipe source on the holder, fed by the test with a click
 * train in real time, played by two peers' windows, each into its own channel of the rig's sink. The
 * recording gives (a) how far apart the two windows' clicks were and (b) each window's source-to-speaker
 * latency: from the moment a click went into the FIFO to the moment the sink played it, both on this
 * process's clock (`live-room.ts`: a paced writer in a worker thread, `recordTimed` for the recording).
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
    `live: time base corrected by the sink's render-ahead, ${take.renderAheadMs ?? 'unread'} ms; writes late by > 1 ms: ${late.count} of ${late.of} (latest ${late.maxMs.toFixed(2)} ms)`,
  );
}

test.describe('acoustic: a live source through two peers', () => {
  test.skip(!pulse.ok, pulse.ok ? '' : pulse.reason);
  test.describe.configure({ timeout: 240_000 });

  test('clicks written into a pipe are heard on both windows together, the delay after they were written', async () => {
    rig = await startAcousticRig(2);
    live = await startLiveRoom({ rig, delayMs: DELAY_MS, log: (line) => console.log(line) });
    const take = await live.take(CLICKS);
    report(take);
    for (const latency of take.latency) {
      expect(latency.count).toBeGreaterThanOrEqual(Math.floor(CLICKS * 0.8));
      // Heard the delay after being written. Measured spread on the 2-core dev machine (2026-12-06, tuned rig):
      // see LIMITS below. The limit catches a gross error (a delay ignored or counted twice, a stamp off by a
      // packet, latency left out of the placement: 20 ms or more) and leaves room for a page's output map
      // wandering a few ms under the full suite's load; `npm run bench:live` holds the ±1 ms target.
      expect(Math.abs(latency.medianMs)).toBeLessThanOrEqual(LIMITS.latencyMedianMs);
      expect(latency.p95AbsMs).toBeLessThanOrEqual(LIMITS.latencyP95Ms);
    }
    expect(take.offsets.count).toBeGreaterThanOrEqual(Math.floor(CLICKS * 0.8));
    // Heard together: the same limits as the acoustic peers test, for the same reasons.
    expect(Math.abs(take.offsets.medianMs)).toBeLessThanOrEqual(LIMITS.offsetMedianMs);
    expect(take.offsets.p95AbsMs).toBeLessThanOrEqual(LIMITS.offsetP95Ms);
  });
});

/** Limits drawn from the measured spread (see the test's comment). */
const LIMITS = { latencyMedianMs: 5, latencyP95Ms: 10, offsetMedianMs: 1, offsetP95Ms: 3 };
