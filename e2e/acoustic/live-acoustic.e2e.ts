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
 * acoustic peers test). Latency, click against click within a take: p95 |latency − its median| 0.3–8 ms (a frame
 * misplaced by a packet would be 20 ms). Latency itself: see the fixme below.
 */
const LIMITS = { offsetMedianMs: 1, offsetP95Ms: 10, latencySpreadP95Ms: 10, latencyEarlyMs: 1 };

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

  // Not yet: the latency is not the delay. Measured: when the room plays a source whose first PCM arrives at that
  // moment, the source peer is busy at its first read and stamps the stream late by that; past 100 ms late the
  // count runs ahead of now + delay, the pacing meant for a writer that bursts holds the reader back, and the FIFO
  // and the socket's buffer keep the backlog for good (+645, +668 and +710 ms over the delay in three takes; a
  // listener on the live protocol saw frames arrive 412 ms before they were due, against 299 ms in a good take).
  // The room here lets the writer run 2 s before it plays; then this test measured +13.5 ms and `bench:live` +14
  // and +7 ms at delays 300 and 200 in one room, the two windows alike; with PCM instead of Opus +5.4 and +0.6 ms.
  // So Opus's placement is about 6.4 ms late (the 120-frame look-ahead the stamps assume against what is heard),
  // and a stream's first anchor 5-7 ms late (the source peer's first read).
  test.fixme('the clicks are heard the delay after they were written, within a few ms', async () => {
    const take = await liveTake();
    for (const latency of take.latency) expect(Math.abs(latency.medianMs)).toBeLessThanOrEqual(5);
  });
});
