/**
 * A live source in the decoder worker (#22): reads `GET /media/live/<sourceId>` (length-prefixed
 * frames, shared/live/frames.ts), decodes its Opus (WebCodecs, live-opus.ts) or takes its s16 PCM,
 * turns it into float at the context's rate and places each piece on the player's timeline by the
 * group time its source peer stamped on it. FLAC frames (`codec=flac` sources) decode here, in
 * TypeScript (flac-decode.ts), each on its own. A window without WebCodecs asks its peer for PCM
 * (`?codec=pcm`).
 *
 * Frames that follow each other (each starting where the last ended, in group time) form a run that
 * is converted as one stream, so a run is sample-continuous however its frames were cut; a frame
 * that does not follow (the source re-anchored after a stall or an underrun) starts a new run at its
 * own place. PCM the player's head has already passed is dropped and counted.
 */
import { decodeFlacLiveFrame } from '../../../shared/live/flac-decode';
import { LiveFrameSplitter, decodeLiveFrame, type LiveFrame } from '../../../shared/live/frames';
import { StreamResampler } from '../../../shared/audio/resampler';
import { s16ToPlanar } from '../../../shared/audio/s16';
import type { DecoderToEngine, DecoderToPlayer, OpenLive, PcmChunk } from '../player/protocol';
import { OpusFrameDecoder, canDecodeOpus, type PcmBlock } from './live-opus';
import { interleave } from './stereo';

/** A frame follows the last one when it starts within this of where the last ended (ms). */
const CONTINUITY_MS = 1;

interface Run {
  /** Group time of the run's first input frame, and its rate. */
  startGroupMs: number;
  sampleRate: number;
  /** Track frame of the run's first output frame. */
  startFrame: number;
  inFrames: number;
  /** Output frames produced so far (the next one is startFrame + outFrames). */
  outFrames: number;
  resampler: StreamResampler | null;
}

/** Places live frames on the player's timeline (pure: no I/O, for tests). */
export class LivePlacer {
  #run: Run | null = null;
  /** Chunks dropped because the play head had passed them. */
  lateChunks = 0;
  /** FLAC frames that did not decode (dropped; the player fades over the gap). */
  undecodableFlac = 0;
  /** Track frame after the last one placed. */
  endFrame = 0;

  constructor(
    readonly generation: number,
    readonly anchorGroupMs: number,
    readonly contextRate: number,
  ) {}

  /**
   * The chunks a PCM (or decoded FLAC) frame makes; a STALL or END closes the run (an OPUS frame goes
   * through `placeBlock` once decoded). `headFrame`: the player's head, if known.
   */
  place(frame: LiveFrame, headFrame: number | null): PcmChunk[] {
    if (frame.type === 'opus') return [];
    if (frame.type === 'flac') {
      const decoded = decodeFlacLiveFrame(frame);
      if (!decoded.ok) return (this.undecodableFlac++, []);
      return this.place({ type: 'pcm', ...decoded.value, frameCount: frame.frameCount }, headFrame);
    }
    if (frame.type !== 'pcm') return this.#close(headFrame);
    return this.placeBlock(
      { groupMs: frame.groupMs, sampleRate: frame.sampleRate, ...s16ToPlanar(frame.pcm) },
      headFrame,
    );
  }

  /** The chunks decoded PCM makes. */
  placeBlock(block: PcmBlock, headFrame: number | null): PcmChunk[] {
    const out: PcmChunk[] = [];
    const frame = { ...block, frameCount: block.left.length };
    let run = this.#run;
    if (run) {
      const expectedMs = run.startGroupMs + (run.inFrames * 1000) / run.sampleRate;
      if (run.sampleRate !== frame.sampleRate || Math.abs(frame.groupMs - expectedMs) > CONTINUITY_MS) {
        out.push(...this.#close(headFrame));
        run = null;
      }
    }
    if (!run) {
      const startFrame = Math.round(((frame.groupMs - this.anchorGroupMs) * this.contextRate) / 1000);
      run = {
        startGroupMs: frame.groupMs,
        sampleRate: frame.sampleRate,
        startFrame,
        inFrames: 0,
        outFrames: 0,
        resampler:
          frame.sampleRate === this.contextRate
            ? null
            : new StreamResampler(frame.sampleRate, this.contextRate),
      };
      this.#run = run;
    }
    const { left, right } = frame;
    run.inFrames += frame.frameCount;
    const data = run.resampler ? run.resampler.push(left, right) : interleave(left, right);
    return [...out, ...this.#emit(run, data, headFrame)];
  }

  #close(headFrame: number | null): PcmChunk[] {
    const run = this.#run;
    this.#run = null;
    if (!run?.resampler) return [];
    const empty = new Float32Array(0);
    return this.#emit(run, run.resampler.push(empty, empty, true), headFrame);
  }

  #emit(run: Run, data: Float32Array, headFrame: number | null): PcmChunk[] {
    const frames = data.length >> 1;
    if (frames === 0) return [];
    const startFrame = run.startFrame + run.outFrames;
    run.outFrames += frames;
    this.endFrame = startFrame + frames;
    if (headFrame !== null && startFrame + frames <= headFrame) {
      this.lateChunks++;
      return [];
    }
    return [{ type: 'pcm', generation: this.generation, startFrame, data }];
  }
}

/** Where the live stream's output goes (the worker's ports). */
export interface LiveIo {
  toPlayer(message: DecoderToPlayer): void;
  toEngine(message: DecoderToEngine): void;
  /** The player's last reported head for `generation`, or null. */
  headFrame(generation: number): number | null;
}

/**
 * Plays one `open-live` until `stop()`: reads the stream, and reads it again (after 1 s, up to 5 s)
 * when it breaks or is refused, until the source ends it.
 */
export class LiveStream {
  readonly #controller = new AbortController();
  readonly #placer: LivePlacer;
  readonly #opus = new OpusFrameDecoder();
  /** Frames are placed in the order they came, Opus ones once decoded. */
  #placing: Promise<void> = Promise.resolve();
  /** OPUS frames that could not be decoded (dropped; the player fades over the gap). */
  undecodable = 0;

  constructor(
    readonly message: OpenLive,
    private readonly io: LiveIo,
  ) {
    this.#placer = new LivePlacer(message.generation, message.anchorGroupMs, message.contextRate);
    void this.#run();
  }

  /** Stops reading. */
  stop(): void {
    this.#controller.abort();
    this.#opus.close();
  }

  /** Places a frame after the ones before it (an OPUS frame once decoded). */
  #enqueue(frame: LiveFrame): void {
    const gen = this.message.generation;
    const post = (chunks: PcmChunk[]) => {
      if (!this.#controller.signal.aborted) for (const chunk of chunks) this.io.toPlayer(chunk);
    };
    if (frame.type === 'opus') {
      const decoded = this.#opus.decode(frame);
      this.#placing = this.#placing.then(() =>
        decoded.then(
          (block) => post(this.#placer.placeBlock(block, this.io.headFrame(gen))),
          () => void this.undecodable++,
        ),
      );
    } else {
      this.#placing = this.#placing.then(() => post(this.#placer.place(frame, this.io.headFrame(gen))));
    }
  }

  #state(state: 'connecting' | 'playing' | 'stalled' | 'ended', detail: string | null): void {
    if (!this.#controller.signal.aborted)
      this.io.toEngine({ type: 'live', generation: this.message.generation, state, detail });
  }

  async #run(): Promise<void> {
    const { signal } = this.#controller;
    let delayMs = 1000;
    while (!signal.aborted) {
      this.#state('connecting', null);
      let detail: string;
      try {
        const ended = await this.#readOnce(signal);
        if (ended !== null) {
          await this.#placing;
          const last = this.#placer.place({ type: 'end', reason: ended }, null);
          for (const chunk of last) this.io.toPlayer(chunk);
          this.io.toPlayer({
            type: 'end',
            generation: this.message.generation,
            totalFrames: this.#placer.endFrame,
          });
          this.#state('ended', ended);
          return;
        }
        detail = 'the stream broke';
      } catch (error) {
        if (signal.aborted) return;
        detail = error instanceof Error ? error.message : String(error);
      }
      this.#state('connecting', `${detail}; again in ${delayMs / 1000} s`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
      });
      delayMs = Math.min(5000, delayMs * 2);
    }
  }

  /** One request: the END reason when the source ended the stream, null when it broke off. */
  async #readOnce(signal: AbortSignal): Promise<string | null> {
    const url = canDecodeOpus() ? this.message.url : withPcmCodec(this.message.url);
    const response = await fetch(url, { headers: this.message.headers, signal });
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      throw new Error(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    }
    const splitter = new LiveFrameSplitter();
    const reader = response.body.getReader();
    let playing = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return null;
      const frames = splitter.push(value);
      if (!frames.ok) throw new Error(`bad live stream: ${frames.error}`);
      for (const bytes of frames.value) {
        const frame = decodeLiveFrame(bytes);
        if (!frame.ok) throw new Error(`bad live frame: ${frame.error}`);
        this.#enqueue(frame.value);
        if (frame.value.type !== 'stall' && frame.value.type !== 'end' && !playing) {
          playing = true;
          this.#state('playing', null);
        } else if (frame.value.type === 'stall') {
          playing = false;
          this.#state('stalled', 'the source sends no sound');
        } else if (frame.value.type === 'end') {
          return frame.value.reason;
        }
      }
    }
  }
}

/** The stream's URL asking the peer to decode Opus into PCM. */
function withPcmCodec(url: string): string {
  const u = new URL(url);
  u.searchParams.set('codec', 'pcm');
  return u.href;
}
