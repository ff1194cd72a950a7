/**
 * Stamps a live source's PCM in group time, as the source peer reads it.
 *
 * The first frame is heard `delayMs` after it was written (group time); every frame after it follows by
 * frame count (`anchor + n / rate`), so the stream is sample-continuous whatever the read sizes. When it
 * was written is not when it was read: the first read of a stream comes late (the peer is busy starting
 * it; 2.8–7 ms in the acoustic takes, all of it added to the latency for good). So the first `firstReadsMs`
 * of reads are held, not sent, and each read bounds when the stream began: its first frame was written
 * by the time it was read, so the stream began no later than `read time − frames before it / rate`. The
 * earliest of those bounds (a read that came right after its write) is the start, as the least delayed of
 * a clock's probes is its best. That holds for a writer that writes as the sound happens, which the reads
 * after the first show: they bring no more frames than their time (within `maxEarlierMs`). Then the first
 * read may have held a backlog (a play that starts as the first PCM arrives finds the peer busy for 100 ms
 * and more), and the stream is placed as written, what can no longer arrive in time dropped. A writer that
 * delivers faster (a burst, a file) says nothing of when its sound happened: its stream is anchored at its
 * first read, as when too few reads came to tell (then at most `maxEarlierMs` earlier).
 *
 * Writers deliver with jitter (a timer that fires late, then a catch-up write), which must not move
 * the stream; what does:
 * - the writer falls behind for good (an underrun, a writer whose clock is slow): the counted time
 *   stays more than `maxDriftMs` (20 ms) behind `now + delay` for `settleMs` (1 s), or falls so far
 *   behind that less than half the delay is left for the room to receive it: the stream is
 *   re-anchored at `now + delay` (a short gap of silence; never late audio). When it was this peer
 *   that fell behind (busy, its reads late), the pipe held what was written meanwhile, and the read
 *   that re-anchors is larger than the one before: that excess is stamped before `now + delay`, as it
 *   was written, and what could no longer reach the room in time is dropped. Stamping it from
 *   `now + delay` added the backlog to the latency for good (seen: stamps that jumped 220 ms at a
 *   re-anchor, then ran 60 ms ahead of now + delay, the pacing below keeping the backlog in the pipe);
 * - the writer runs ahead (a burst, a fast clock): past `paceMs` (100 ms) ahead the reader holds
 *   back (`aheadMs` says how long to pause reading), so the data waits in the pipe and the writer is
 *   paced by it, as Snapcast's pipe reader does.
 *
 * Any input format is converted to interleaved stereo s16 (`pcm-frames.ts`) and cut into packets of at
 * most 20 ms.
 */
import { PcmFrames } from './pcm-frames';
import type { PcmFormat } from './uri';

/** PCM stamped in group time: the first frame is heard at `groupMs`. */
export interface StampedPcm {
  groupMs: number;
  sampleRate: number;
  /** Interleaved stereo s16. */
  pcm: Int16Array;
}

/** Options; each has a default. */
export interface StamperInit {
  /** How far ahead of reading a frame is heard (the room's live delay, default 300 ms). */
  delayMs?: number;
  /** How far behind `now + delay` the count may stay before re-anchoring (default 20 ms). */
  maxDriftMs?: number;
  /** For how long it must stay that far behind (default 1000 ms). */
  settleMs?: number;
  /** How far ahead of `now + delay` the count may run before reading pauses (default 100 ms). */
  paceMs?: number;
  /** How long a stream's first reads are held to find when it began (default a third of the delay, at most 100 ms; 0: not). */
  firstReadsMs?: number;
  /** How much earlier than its first read a stream may be found to have begun (default 20 ms). */
  maxEarlierMs?: number;
}

/** What one `push` produced. */
export interface StampResult {
  packets: StampedPcm[];
  /** Whether this push started a new anchor (the first data, or after the writer fell behind). */
  reanchored: boolean;
  /** How long to pause reading (ms, 0 for not at all): the count ran more than `paceMs` ahead. */
  aheadMs: number;
  /** While a stream's first reads are held: how long until `flush` sends them if no read comes (ms), else 0. */
  holdingMs: number;
}

/** A stream's first reads, held while they say when it began. */
interface HeldStart {
  firstReadMs: number;
  /** The earliest bound so far on when its first frame was written (group ms). */
  beganMs: number;
  /** Whether the reads after the first brought frames faster than their time (more than `maxEarlierMs` ahead). */
  burst: boolean;
  /** Group time of the second read, and frames read since it (before the current read); reads after it checked. */
  secondReadMs: number | null;
  framesSinceSecond: number;
  checkedReads: number;
  frames: number;
  parts: Int16Array[];
}

/** Turns a source's byte stream into group-time stamped stereo s16 packets. */
export class PcmStamper {
  readonly #format: PcmFormat;
  readonly #frames: PcmFrames;
  readonly #packetFrames: number;
  #delayMs: number;
  readonly #maxDriftMs: number;
  readonly #settleMs: number;
  readonly #paceMs: number;
  readonly #firstReadsMs: number | undefined;
  readonly #maxEarlierMs: number;
  #held: HeldStart | null = null;
  /** Group time since which the count has stayed more than `maxDriftMs` behind, or null. */
  #behindSinceMs: number | null = null;
  #anchorMs: number | null = null;
  #framesSinceAnchor = 0;
  /** Frames in the last read: a re-anchoring read larger than this holds a backlog. */
  #lastReadFrames = 0;
  /** Frames stamped since construction. */
  frames = 0;
  /** Times the stream was re-anchored after the writer fell behind. */
  reanchors = 0;

  constructor(format: PcmFormat, init: StamperInit = {}) {
    this.#format = format;
    this.#frames = new PcmFrames(format);
    this.#packetFrames = Math.max(1, Math.floor(format.sampleRate / 50));
    this.#delayMs = init.delayMs ?? 300;
    this.#maxDriftMs = init.maxDriftMs ?? 20;
    this.#settleMs = init.settleMs ?? 1000;
    this.#paceMs = init.paceMs ?? 100;
    this.#firstReadsMs = init.firstReadsMs;
    this.#maxEarlierMs = init.maxEarlierMs ?? 20;
  }

  /** Frames dropped because they could no longer reach the room in time. */
  dropped = 0;

  get #holdMs(): number {
    return this.#firstReadsMs ?? Math.min(100, this.#delayMs / 3);
  }

  /** Changes the delay; the next frame read anchors anew. */
  setDelay(delayMs: number): void {
    this.#delayMs = delayMs;
    this.reset();
  }

  /** Forgets the anchor and any partial frame (after a stall): the next data anchors anew. */
  reset(): void {
    this.#anchorMs = null;
    this.#framesSinceAnchor = 0;
    this.#behindSinceMs = null;
    this.#frames.reset();
    this.#lastReadFrames = 0;
    this.#held = null;
  }

  /** Group time at which the next frame will be heard, or null before the first data. */
  nextGroupMs(): number | null {
    return this.#anchorMs === null ? null : this.#countedMs(this.#anchorMs);
  }

  /** Group time of the next frame by the count from `anchorMs`. */
  #countedMs(anchorMs: number): number {
    return anchorMs + (this.#framesSinceAnchor * 1000) / this.#format.sampleRate;
  }

  /** Stamps bytes read at group time `groupNowMs`. */
  push(bytes: Uint8Array, groupNowMs: number): StampResult {
    const stereo = this.#frames.take(bytes);
    const frameCount = stereo.length / 2;
    if (this.#anchorMs === null) return this.#hold(stereo, groupNowMs);
    const dueMs = groupNowMs + this.#delayMs;
    let reanchored = false;
    const next = this.#countedMs(this.#anchorMs);
    if (next < dueMs - this.#maxDriftMs) this.#behindSinceMs ??= groupNowMs;
    else this.#behindSinceMs = null;
    const tooLate = next < groupNowMs + this.#delayMs / 2;
    const staysBehind = this.#behindSinceMs !== null && groupNowMs - this.#behindSinceMs >= this.#settleMs;
    let dropped = 0;
    if (tooLate || staysBehind) {
      const rate = this.#format.sampleRate;
      const backlog = Math.max(0, frameCount - this.#lastReadFrames);
      const kept = Math.min(backlog, Math.floor((this.#delayMs / 2 / 1000) * rate));
      dropped = backlog - kept;
      this.dropped += dropped;
      this.reanchors++;
      // The newest write is heard at now + delay; frames before it by their count, the dropped ones too.
      this.#anchorMs = dueMs - (backlog * 1000) / rate;
      this.#framesSinceAnchor = 0;
      this.#behindSinceMs = null;
      reanchored = true;
    }
    this.#lastReadFrames = frameCount;
    const packets = this.#packets(stereo, dropped);
    this.frames += frameCount;
    return { packets, reanchored, aheadMs: this.#aheadMs(dueMs), holdingMs: 0 };
  }

  /** Sends a stream's held first reads now, if their time is up (the source calls it when no read came). */
  flush(groupNowMs: number): StampResult {
    const held = this.#held;
    if (!held || groupNowMs - held.firstReadMs < this.#holdMs)
      return {
        packets: [],
        reanchored: false,
        aheadMs: 0,
        holdingMs: held ? this.#holdLeft(held, groupNowMs) : 0,
      };
    return this.#release(held, groupNowMs);
  }

  /** A read of a stream not yet anchored: held, and sent with its stamps once the first reads' time is up. */
  #hold(stereo: Int16Array, groupNowMs: number): StampResult {
    const frameCount = stereo.length / 2;
    const held = (this.#held ??= {
      firstReadMs: groupNowMs,
      beganMs: groupNowMs,
      burst: false,
      secondReadMs: null,
      framesSinceSecond: 0,
      checkedReads: 0,
      frames: 0,
      parts: [],
    });
    const rate = this.#format.sampleRate;
    held.beganMs = Math.min(held.beganMs, groupNowMs - (held.frames * 1000) / rate);
    if (held.secondReadMs !== null) {
      held.checkedReads++;
      const sinceSecondMs = (held.framesSinceSecond * 1000) / rate;
      if (sinceSecondMs > groupNowMs - held.secondReadMs + this.#maxEarlierMs) held.burst = true;
      held.framesSinceSecond += frameCount;
    } else if (held.frames > 0) {
      held.secondReadMs = groupNowMs;
      held.framesSinceSecond = frameCount;
    }
    held.parts.push(stereo);
    held.frames += frameCount;
    this.frames += frameCount;
    this.#lastReadFrames = frameCount;
    if (groupNowMs - held.firstReadMs < this.#holdMs)
      return { packets: [], reanchored: false, aheadMs: 0, holdingMs: this.#holdLeft(held, groupNowMs) };
    return this.#release(held, groupNowMs);
  }

  #holdLeft(held: HeldStart, groupNowMs: number): number {
    return Math.max(1, held.firstReadMs + this.#holdMs - groupNowMs);
  }

  /** Anchors the held stream where it began + the delay and sends it, less what could no longer arrive in time. */
  #release(held: HeldStart, groupNowMs: number): StampResult {
    this.#held = null;
    const rate = this.#format.sampleRate;
    const live = !held.burst && held.checkedReads >= 2;
    const beganMs = held.burst
      ? held.firstReadMs
      : Math.max(held.beganMs, held.firstReadMs - (live ? this.#delayMs : this.#maxEarlierMs));
    this.#anchorMs = beganMs + this.#delayMs;
    const stereo = new Int16Array(held.frames * 2);
    let at = 0;
    for (const part of held.parts) {
      stereo.set(part, at);
      at += part.length;
    }
    // Never late audio: what would be due within half the delay from now is dropped, as at a re-anchor.
    const dueFrom = groupNowMs + this.#delayMs / 2;
    const dropped = Math.min(held.frames, Math.max(0, Math.ceil(((dueFrom - this.#anchorMs) * rate) / 1000)));
    this.dropped += dropped;
    this.#framesSinceAnchor = 0;
    const packets = this.#packets(stereo, dropped);
    return {
      packets,
      reanchored: true,
      aheadMs: this.#aheadMs(groupNowMs + this.#delayMs),
      holdingMs: 0,
    };
  }

  /** Cuts frames from `from` on into packets stamped by the count (frames before `from` are skipped, not sent). */
  #packets(stereo: Int16Array, from: number): StampedPcm[] {
    const frameCount = stereo.length / 2;
    this.#framesSinceAnchor += from;
    const packets: StampedPcm[] = [];
    for (let at = from; at < frameCount; at += this.#packetFrames) {
      const n = Math.min(this.#packetFrames, frameCount - at);
      packets.push({
        groupMs: this.nextGroupMs() as number,
        sampleRate: this.#format.sampleRate,
        pcm: stereo.slice(at * 2, (at + n) * 2),
      });
      this.#framesSinceAnchor += n;
    }
    return packets;
  }

  #aheadMs(dueMs: number): number {
    const after = this.nextGroupMs();
    const ahead = after === null ? 0 : after - dueMs;
    return ahead > this.#paceMs ? ahead - this.#paceMs / 2 : 0;
  }
}
