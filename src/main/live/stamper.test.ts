import { describe, expect, it } from 'vitest';
import { PcmStamper } from './stamper';

/** `frames` stereo s16le frames whose left sample is its index and right its negation. */
function s16Stereo(frames: number, first = 0): Uint8Array {
  const out = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[i * 2] = (first + i) % 30000;
    out[i * 2 + 1] = -((first + i) % 30000);
  }
  return new Uint8Array(out.buffer);
}

describe('PcmStamper', () => {
  const format = { encoding: 's16le', sampleRate: 48000, channels: 2 } as const;

  it('stamps the first frame at now + delay and counts frames from there, in 20 ms packets', () => {
    const stamper = new PcmStamper(format, { delayMs: 300, firstReadsMs: 0 });
    const first = stamper.push(s16Stereo(2000), 10_000);
    expect(first.reanchored).toBe(true);
    expect(first.packets.map((p) => p.groupMs)).toEqual([10_300, 10_320, 10_340]);
    expect(first.packets.map((p) => p.pcm.length / 2)).toEqual([960, 960, 80]);
    // Read 30 ms later: the count (10 341.67) is still within 20 ms of now + delay (10 330).
    const next = stamper.push(s16Stereo(480, 2000), 10_030);
    expect(next.reanchored).toBe(false);
    expect(next.packets[0]?.groupMs).toBeCloseTo(10_300 + (2000 * 1000) / 48000, 9);
    expect(next.packets[0]?.pcm[0]).toBe(2000);
    expect(stamper.frames).toBe(2480);
  });

  it('rides out jitter, re-anchors a writer that stays 20 ms behind for 1 s or falls past half the delay', () => {
    const stamper = new PcmStamper(format, { delayMs: 300, firstReadsMs: 0 });
    stamper.push(s16Stereo(480), 0); // 10 ms, the next frame counted at 310
    // A write 40 ms late, then the catch-up: no re-anchor, the stream stays continuous.
    expect(stamper.push(s16Stereo(480), 50).reanchored).toBe(false);
    expect(stamper.push(s16Stereo(2400), 51).reanchored).toBe(false);
    expect(stamper.nextGroupMs()).toBeCloseTo(370, 9);
    // A slow writer: it has stayed more than 20 ms behind since the late write at t = 50, and stays 40 ms
    // behind; re-anchored once that has lasted 1 s.
    expect(stamper.push(s16Stereo(480), 110).reanchored).toBe(false);
    let t = 110;
    let reanchoredAt: number | null = null;
    while (reanchoredAt === null && t < 3000) {
      t += 10;
      if (stamper.push(s16Stereo(480), t).reanchored) reanchoredAt = t;
    }
    expect(reanchoredAt).not.toBeNull();
    expect(reanchoredAt).toBe(1050);
    expect(stamper.nextGroupMs()).toBeCloseTo(reanchoredAt! + 300 + 10, 6);
    // A gap longer than half the delay: re-anchored at once.
    const gap = stamper.push(s16Stereo(480), t + 400);
    expect(gap.reanchored).toBe(true);
    expect(gap.packets[0]?.groupMs).toBe(t + 700);
    expect(stamper.reanchors).toBe(2);
  });

  it('stamps the backlog of a busy reader as it was written, dropping what is too old to deliver', () => {
    const stamper = new PcmStamper(format, { delayMs: 300, firstReadsMs: 0 });
    stamper.push(s16Stereo(960), 0);
    stamper.push(s16Stereo(960, 960), 20);
    // The peer was busy for 280 ms: one read holds 14 writes of 20 ms, the newest written just now.
    const late = stamper.push(s16Stereo(14 * 960, 1920), 300);
    expect(late.reanchored).toBe(true);
    // The newest write is heard at now + delay; the 260 ms before it would have been due up to 260 ms sooner,
    // but only what is due at least half the delay (150 ms) from now is kept: 110 ms of it is dropped.
    expect(late.packets[0]?.groupMs).toBe(450);
    expect(late.packets[0]?.pcm[0]).toBe(1920 + 5280);
    expect(late.packets.reduce((n, p) => n + p.pcm.length / 2, 0)).toBe(14 * 960 - 5280);
    expect(stamper.nextGroupMs()).toBeCloseTo(620, 9);
    // A reader that comes back on time reads one write again: no backlog, the count carries on.
    const next = stamper.push(s16Stereo(960, 1920 + 14 * 960), 320);
    expect(next.reanchored).toBe(false);
    expect(next.packets[0]?.groupMs).toBeCloseTo(620, 9);
  });

  it('asks the reader to pause when a burst runs more than 100 ms ahead', () => {
    const stamper = new PcmStamper(format, { delayMs: 300, firstReadsMs: 0 });
    expect(stamper.push(s16Stereo(4800), 0).aheadMs).toBe(0); // 100 ms ahead: fine
    expect(stamper.push(s16Stereo(48000), 0).aheadMs).toBeCloseTo(1100 - 50, 6);
  });

  it('keeps a partial frame for the next read and converts mono, s32 and f32 to stereo s16', () => {
    const stamper = new PcmStamper(format, { firstReadsMs: 0 });
    const bytes = s16Stereo(3);
    expect(stamper.push(bytes.subarray(0, 5), 0).packets).toHaveLength(1);
    const rest = stamper.push(bytes.subarray(5), 1).packets;
    expect(Array.from(rest[0]?.pcm ?? [])).toEqual([1, -1, 2, -2]);

    const mono = new PcmStamper({ encoding: 's16le', sampleRate: 44100, channels: 1 }, { firstReadsMs: 0 });
    const m = mono.push(new Uint8Array(Int16Array.from([100, -200]).buffer), 0).packets[0];
    expect(Array.from(m?.pcm ?? [])).toEqual([100, 100, -200, -200]);
    expect(m?.sampleRate).toBe(44100);

    const s32 = new PcmStamper({ encoding: 's32le', sampleRate: 48000, channels: 2 }, { firstReadsMs: 0 });
    const i32 = s32.push(new Uint8Array(Int32Array.from([0x7fff0000, -0x80000000]).buffer), 0).packets[0];
    expect(Array.from(i32?.pcm ?? [])).toEqual([32767, -32768]);

    const f32 = new PcmStamper({ encoding: 'f32le', sampleRate: 48000, channels: 2 }, { firstReadsMs: 0 });
    const f = f32.push(new Uint8Array(Float32Array.from([0.5, -2]).buffer), 0).packets[0];
    expect(Array.from(f?.pcm ?? [])).toEqual([16384, -32767]);
  });

  it('anchors anew after a reset (a stall)', () => {
    const stamper = new PcmStamper(format, { delayMs: 200, firstReadsMs: 0 });
    stamper.push(s16Stereo(4800), 0);
    stamper.reset();
    expect(stamper.nextGroupMs()).toBeNull();
    expect(stamper.push(s16Stereo(10), 5000).packets[0]?.groupMs).toBe(5200);
  });

  it("holds a stream's first reads and anchors it where the promptest of them says it began", () => {
    // A writer writes 20 ms blocks at 0, 20, 40, … ms; the first read comes 7 ms late, the others 0.2–1 ms.
    const stamper = new PcmStamper(format, { delayMs: 300 });
    const reads = [7, 20.5, 40.2, 61, 80.3, 100.4, 120.6, 140.1];
    const results = reads.map((t, i) => stamper.push(s16Stereo(960, i * 960), t));
    // Held for a third of the delay (100 ms) from the first read (to 107): nothing is sent before, and the source is
    // told how long until it should flush if no read comes.
    for (const r of results.slice(0, 6)) {
      expect(r.packets).toEqual([]);
      expect(r.holdingMs).toBeGreaterThan(0);
    }
    expect(results[0]!.holdingMs).toBe(100);
    const sent = results[6]!;
    expect(sent.reanchored).toBe(true);
    // Begun by 40.2 − 2 blocks = 0.2 ms: heard from 300.2, frame for frame, none dropped.
    expect(sent.packets[0]!.groupMs).toBeCloseTo(300.2, 9);
    expect(sent.packets[0]!.pcm[0]).toBe(0);
    expect(sent.packets.reduce((n, p) => n + p.pcm.length / 2, 0)).toBe(7 * 960);
    expect(results[7]!.packets[0]!.groupMs).toBeCloseTo(300.2 + 140, 9);
    expect(stamper.dropped).toBe(0);
    expect(stamper.reanchors).toBe(0);
  });

  it('anchors a writer that delivers faster than its time at its first read, and never more than 20 ms before', () => {
    // A burst: a second's worth arrives 1 ms after the first read, so the reads say nothing of when it was played.
    const burst = new PcmStamper(format, { delayMs: 300 });
    burst.push(s16Stereo(960), 5);
    burst.push(s16Stereo(48_000, 960), 6);
    const sent = burst.push(s16Stereo(960, 48_960), 105);
    expect(sent.packets[0]!.groupMs).toBe(305);
    expect(sent.aheadMs).toBeGreaterThan(0);
    // A live writer (writes every 20 ms from 0) whose first read came 15, 30 or 110 ms late, finding one, two or
    // six writes there, is placed as written: the reads after the first bring no more than their time's worth.
    // Of the 110 ms one, what was due before the hold's end + half the delay (370.2 ms) is dropped: 70 ms.
    for (const [lateMs, dropped] of [
      [15, 0],
      [30, 0],
      [110, 3360],
    ] as const) {
      const late = new PcmStamper(format, { delayMs: 300 });
      const reads = [20.2, 40.2, 60.2, 80.2, 100.2, 120.2, 140.2, 160.2, 180.2, 200.2, 220.2, 240.2, 260.2];
      let frames = 0;
      for (const t of [lateMs, ...reads.filter((r) => r > lateMs)]) {
        const count = 960 * (t === lateMs ? Math.floor(lateMs / 20) + 1 : 1);
        late.push(s16Stereo(count, frames), t);
        frames += count;
      }
      expect(late.nextGroupMs(), `first read ${lateMs} ms late`).toBeCloseTo(0.2 + 300 + frames / 48, 9);
      expect(late.dropped).toBe(dropped);
    }
  });

  it('sends the held reads on flush once their time is up, dropping what could no longer arrive in time', () => {
    const quiet = new PcmStamper(format, { delayMs: 300 });
    expect(quiet.push(s16Stereo(960), 0).holdingMs).toBe(100);
    const early = quiet.flush(60);
    expect(early.packets).toEqual([]);
    expect(early.holdingMs).toBe(40);
    expect(quiet.flush(100).packets[0]!.groupMs).toBe(300);
    expect(quiet.flush(200).packets).toEqual([]);

    // The peer was busy: the hold ends 250 ms after the first read, when what is due before now + half the
    // delay (400 ms) can no longer reach the room: the first 100 ms of the stream are dropped.
    const busy = new PcmStamper(format, { delayMs: 300 });
    busy.push(s16Stereo(9600), 0);
    const sent = busy.push(s16Stereo(960, 9600), 250);
    expect(sent.packets[0]!.groupMs).toBe(400);
    expect(sent.packets[0]!.pcm[0]).toBe(4800);
    expect(busy.dropped).toBe(4800);
  });
});
