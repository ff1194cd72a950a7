/**
 * A local source's frames for the room: its stamped PCM encoded once (Opus by default, FLAC with
 * `codec=flac`, PCM with `codec=pcm`) and published to its FrameFeed, which members' streams and local windows listen to.
 *
 * An Opus packet holds 20 ms and the encoder 2.5 ms of look-ahead, so the last few ms of what a
 * writer wrote stay in the encoder until more comes. When nothing comes for `idleFlushMs` (100 ms,
 * well inside the live delay) the run is ended and its tail sent, so a writer that pauses is heard to
 * its last frame; the next data starts a new run at its own stamp. A pause of the source's own (it
 * holds back reading while the stamps run ahead of time) is no idle writer: the run goes on.
 */
import {
  encodeEndFrame,
  encodeFlacLiveFrame,
  encodePcmFrame,
  encodeStallFrame,
} from '../../shared/live/frames';
import { encodeFlacFrame } from '../../shared/live/flac-encode';
import type { FrameFeed } from './frame-feed';
import type { LiveSource } from './live-source';
import { LiveOpusEncoder } from './opus-encoder';
import type { StampedPcm } from './stamper';

/** Options; each has a default. */
export interface SourceFramesInit {
  idleFlushMs?: number;
}

/** Publishes one source's frames to its feed until `end()`. */
export class SourceFrames {
  readonly #feed: FrameFeed;
  readonly #opus: LiveOpusEncoder | null;
  readonly #idleFlushMs: number;
  readonly #source: LiveSource;
  #idleTimer: NodeJS.Timeout | null = null;
  #ended = false;
  /** Frames encoded as FLAC so far: the next FLAC frame's sample number. */
  #flacFrames = 0;
  /** Bytes published. */
  bytes = 0;

  constructor(source: LiveSource, feed: FrameFeed, init: SourceFramesInit = {}) {
    this.#feed = feed;
    this.#source = source;
    this.#idleFlushMs = init.idleFlushMs ?? 100;
    const { codec, bitrate } = source.spec;
    this.#opus = codec === 'opus' ? new LiveOpusEncoder({ bitrate }) : null;
    source.events.on('live:pcm', (p) => {
      if (this.#ended) return;
      if (codec === 'flac') return this.#publish(this.#flacFrame(p));
      if (!this.#opus) return this.#publish(encodePcmFrame(p.groupMs, p.sampleRate, p.pcm));
      for (const frame of this.#opus.push(p)) this.#publish(frame);
      this.#armIdleFlush();
    });
    source.events.on('live:stall', ({ groupMs }) => {
      if (this.#ended) return;
      this.#flush();
      this.#publish(encodeStallFrame(groupMs));
    });
  }

  /** Sends what the encoder holds and an END frame, and ends the feed. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#flush();
    this.#ended = true;
    this.#opus?.close();
    this.#publish(encodeEndFrame(reason));
    this.#feed.end();
  }

  /** Each packet is one FLAC frame, which decodes on its own: no run to keep or flush. */
  #flacFrame(p: StampedPcm): Uint8Array {
    const frameCount = p.pcm.length >> 1;
    const flac = encodeFlacFrame(p.pcm, p.sampleRate, this.#flacFrames);
    this.#flacFrames += frameCount;
    return encodeFlacLiveFrame(p.groupMs, p.sampleRate, frameCount, flac);
  }

  #publish(frame: Uint8Array): void {
    this.bytes += frame.length;
    this.#feed.publish(frame);
  }

  #flush(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#opus) for (const frame of this.#opus.flush()) this.#publish(frame);
  }

  #armIdleFlush(afterMs = this.#idleFlushMs): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#ended) return;
      const paced = this.#source.pacedForMs();
      if (paced > 0) this.#armIdleFlush(paced + this.#idleFlushMs);
      else this.#flush();
    }, afterMs);
    this.#idleTimer.unref();
  }
}
