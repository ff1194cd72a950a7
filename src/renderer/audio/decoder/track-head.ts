/**
 * A probed track's decoded start, kept while the track is open, so that every play from the top sends
 * PCM at once: the first one, and any later one (the album played again, a stop and play, repeat).
 * The engine's `preload` promises a track ready to start at once, and its decoder client answers a
 * second probe of a track from what it learnt the first time, so a head used up by the first play left
 * the next play of that track to decode from cold after its anchor came (measured: starts 30-150 ms
 * late under load).
 *
 * A play from the top gets copies of the kept chunks (the originals stay for the next play: the
 * player's chunks are transferred, which empties them), then the decode that made them, paused right
 * after them (the first play), or a fresh decode from the top that rejoins at the head's end: the same
 * decoder on the same bytes gives the same frames, so there is no seam either way.
 */
import type { StereoChunk } from './track-stream';

/** What a head decodes from: a track's chunks from a frame on, at a context rate. */
export interface ChunkSource {
  chunks(startFrame: number, contextRate: number): AsyncIterable<StereoChunk>;
}

/**
 * Seconds of a track's start a probe decodes and keeps, so a play from the top sends PCM at once. The
 * probe's answer is the room's ready report, so this decode lies on the path from a play command to
 * the first sound of every speaker: 1.5 s took 45-175 ms in Chromium on the 2-core machine, 0.5 s
 * 15-35 ms (measured with `e2e/probe-reads.e2e.ts`, which prints the probe's times). Half a second is enough: the start is placed a lead
 * time (150 ms) after the release, and the paused decode goes on from the head's end at many times real
 * time as soon as the play opens.
 */
export const HEAD_SEC = 0.5;

const framesOf = (chunk: StereoChunk): number => chunk.data.length >> 1;

/** The chunks of `chunks` from frame `fromFrame` on (a chunk that straddles it is cut there). */
async function* from(chunks: AsyncIterator<StereoChunk>, fromFrame: number): AsyncGenerator<StereoChunk> {
  for (;;) {
    const next = await chunks.next();
    if (next.done) return;
    const chunk = next.value;
    if (chunk.startFrame + framesOf(chunk) <= fromFrame) continue;
    const skip = Math.max(0, fromFrame - chunk.startFrame);
    yield skip === 0 ? chunk : { startFrame: chunk.startFrame + skip, data: chunk.data.subarray(skip * 2) };
  }
}

/** A track's first seconds, decoded; see the file comment. */
export class TrackHead {
  private rest: AsyncIterator<StereoChunk> | null;

  private constructor(
    private readonly source: ChunkSource,
    readonly contextRate: number,
    private readonly kept: readonly StereoChunk[],
    /** Track frame after the last kept one. */
    readonly endFrame: number,
    rest: AsyncIterator<StereoChunk>,
  ) {
    this.rest = rest;
  }

  /** Decodes the first `headFrames` (or the whole track, if shorter) of `source` at `contextRate`. */
  static async decode(source: ChunkSource, contextRate: number, headFrames: number): Promise<TrackHead> {
    const rest = source.chunks(0, contextRate)[Symbol.asyncIterator]();
    const kept: StereoChunk[] = [];
    let endFrame = 0;
    while (endFrame < headFrames) {
      const next = await rest.next();
      if (next.done) break;
      kept.push(next.value);
      endFrame = next.value.startFrame + framesOf(next.value);
    }
    return new TrackHead(source, contextRate, kept, endFrame, rest);
  }

  /** Whether a play from `fromFrame` at `contextRate` starts in this head. */
  covers(fromFrame: number, contextRate: number): boolean {
    return contextRate === this.contextRate && fromFrame < this.endFrame;
  }

  /** The chunks of a play from `fromFrame` (which the head covers) to the track's end. */
  async *playFrom(fromFrame: number): AsyncGenerator<StereoChunk> {
    for (const chunk of this.kept) {
      if (chunk.startFrame + framesOf(chunk) <= fromFrame) continue;
      const skip = Math.max(0, fromFrame - chunk.startFrame);
      yield { startFrame: chunk.startFrame + skip, data: chunk.data.slice(skip * 2) };
    }
    const rest = this.rest ?? this.source.chunks(0, this.contextRate)[Symbol.asyncIterator]();
    this.rest = null;
    const after = from(rest, this.endFrame);
    try {
      yield* after;
    } finally {
      await after.return(undefined);
      await rest.return?.();
    }
  }

  /** Ends the paused decode, if no play took it. */
  async close(): Promise<void> {
    const rest = this.rest;
    this.rest = null;
    await rest?.return?.();
  }
}
