/**
 * Stamps a live source's PCM in group time, as the source peer reads it.
 *
 * The first frame read is heard at `now + delayMs` (group time); every frame after it follows by
 * frame count (`anchor + n / rate`), so the stream is sample-continuous whatever the read sizes.
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
 * Any input format is converted to interleaved stereo s16 and cut into packets of at most 20 ms.
 */
import type { PcmFormat } from './uri';
import { frameBytes } from './uri';

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
}

/** What one `push` produced. */
export interface StampResult {
  packets: StampedPcm[];
  /** Whether this push started a new anchor (the first data, or after the writer fell behind). */
  reanchored: boolean;
  /** How long to pause reading (ms, 0 for not at all): the count ran more than `paceMs` ahead. */
  aheadMs: number;
}

/** Turns a source's byte stream into group-time stamped stereo s16 packets. */
export class PcmStamper {
  readonly #format: PcmFormat;
  readonly #frameBytes: number;
  readonly #packetFrames: number;
  #delayMs: number;
  readonly #maxDriftMs: number;
  readonly #settleMs: number;
  readonly #paceMs: number;
  /** Group time since which the count has stayed more than `maxDriftMs` behind, or null. */
  #behindSinceMs: number | null = null;
  #residue = new Uint8Array(0);
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
    this.#frameBytes = frameBytes(format);
    this.#packetFrames = Math.max(1, Math.floor(format.sampleRate / 50));
    this.#delayMs = init.delayMs ?? 300;
    this.#maxDriftMs = init.maxDriftMs ?? 20;
    this.#settleMs = init.settleMs ?? 1000;
    this.#paceMs = init.paceMs ?? 100;
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
    this.#residue = new Uint8Array(0);
    this.#lastReadFrames = 0;
  }

  /** Group time at which the next frame will be heard, or null before the first data. */
  nextGroupMs(): number | null {
    return this.#anchorMs === null
      ? null
      : this.#anchorMs + (this.#framesSinceAnchor * 1000) / this.#format.sampleRate;
  }

  /** Stamps bytes read at group time `groupNowMs`. */
  push(bytes: Uint8Array, groupNowMs: number): StampResult {
    const data = this.#withResidue(bytes);
    const frameCount = Math.floor(data.length / this.#frameBytes);
    this.#residue = data.slice(frameCount * this.#frameBytes);
    const dueMs = groupNowMs + this.#delayMs;
    let reanchored = false;
    const next = this.nextGroupMs();
    if (next !== null && next < dueMs - this.#maxDriftMs) this.#behindSinceMs ??= groupNowMs;
    else this.#behindSinceMs = null;
    const tooLate = next !== null && next < groupNowMs + this.#delayMs / 2;
    const staysBehind = this.#behindSinceMs !== null && groupNowMs - this.#behindSinceMs >= this.#settleMs;
    let dropped = 0;
    if (next === null || tooLate || staysBehind) {
      const rate = this.#format.sampleRate;
      // A first read has nothing to compare with: stamped from now + delay as it comes.
      const backlog = next === null ? 0 : Math.max(0, frameCount - this.#lastReadFrames);
      const kept = Math.min(backlog, Math.floor((this.#delayMs / 2 / 1000) * rate));
      dropped = backlog - kept;
      if (next !== null) this.reanchors++;
      this.#anchorMs = dueMs - (kept * 1000) / rate;
      this.#framesSinceAnchor = 0;
      this.#behindSinceMs = null;
      reanchored = true;
    }
    this.#lastReadFrames = frameCount;
    const stereo = this.#toStereoS16(data, frameCount);
    const packets: StampedPcm[] = [];
    for (let at = dropped; at < frameCount; at += this.#packetFrames) {
      const n = Math.min(this.#packetFrames, frameCount - at);
      packets.push({
        groupMs: this.nextGroupMs() as number,
        sampleRate: this.#format.sampleRate,
        pcm: stereo.slice(at * 2, (at + n) * 2),
      });
      this.#framesSinceAnchor += n;
    }
    this.frames += frameCount;
    const after = this.nextGroupMs();
    const ahead = after === null ? 0 : after - dueMs;
    return { packets, reanchored, aheadMs: ahead > this.#paceMs ? ahead - this.#paceMs / 2 : 0 };
  }

  #withResidue(bytes: Uint8Array): Uint8Array {
    if (this.#residue.length === 0) return bytes;
    const joined = new Uint8Array(this.#residue.length + bytes.length);
    joined.set(this.#residue);
    joined.set(bytes, this.#residue.length);
    return joined;
  }

  #toStereoS16(data: Uint8Array, frameCount: number): Int16Array {
    const out = new Int16Array(frameCount * 2);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const { encoding, channels } = this.#format;
    const size = encoding === 's16le' ? 2 : 4;
    for (let f = 0; f < frameCount; f++) {
      for (let c = 0; c < 2; c++) {
        const at = f * this.#frameBytes + (channels === 2 ? c : 0) * size;
        let sample: number;
        if (encoding === 's16le') sample = view.getInt16(at, true);
        else if (encoding === 's32le') sample = view.getInt32(at, true) >> 16;
        else sample = Math.round(Math.max(-1, Math.min(1, view.getFloat32(at, true))) * 32767);
        out[f * 2 + c] = sample;
      }
    }
    return out;
  }
}
