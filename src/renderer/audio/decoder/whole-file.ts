/**
 * The fallback for a file the decoder worker cannot read (a container mediabunny lacks, a codec
 * WebCodecs lacks here): the browser's whole-file `decodeAudioData`, which resamples to the context
 * rate, fed to the player in pieces a bounded window ahead of its play head, as the worker would.
 * It holds the whole track decoded (about 23 MB a minute), so it keeps one track at a time; it is
 * the exception, named in the engine's events when it is used.
 */

/** What the fallback needs of an `AudioBuffer`. */
export interface DecodedAudio {
  readonly numberOfChannels: number;
  readonly length: number;
  getChannelData(channel: number): Float32Array;
}

/** Interleaved stereo frames `[from, to)` of `audio`: mono on both sides, more than two channels as their first two. */
export function interleaveStereo(audio: DecodedAudio, from: number, to: number): Float32Array {
  const start = Math.max(0, Math.min(from, audio.length));
  const end = Math.max(start, Math.min(to, audio.length));
  const left = audio.getChannelData(0);
  const right = audio.numberOfChannels > 1 ? audio.getChannelData(1) : left;
  const out = new Float32Array((end - start) * 2);
  for (let i = start, o = 0; i < end; i++, o += 2) {
    out[o] = left[i]!;
    out[o + 1] = right[i]!;
  }
  return out;
}

/**
 * The pieces to send now: from `sentFrame` on, in `pieceFrames` steps, until `windowFrames` ahead of
 * the play head `headFrame` or the end of the track. Returns `[start, end)` frame ranges.
 */
export function nextPieces(
  sentFrame: number,
  headFrame: number,
  totalFrames: number,
  windowFrames: number,
  pieceFrames: number,
): [number, number][] {
  const pieces: [number, number][] = [];
  const until = Math.min(totalFrames, headFrame + windowFrames);
  for (let start = sentFrame; start < until; start += pieceFrames) {
    pieces.push([start, Math.min(totalFrames, start + pieceFrames)]);
  }
  return pieces;
}

/** One play of a decoded track: where it starts and what has been sent. */
interface Feed {
  generation: number;
  audio: DecodedAudio;
  sentFrame: number;
  ended: boolean;
}

/** What the fallback sends the player. */
export type FallbackMessage =
  | { type: 'pcm'; generation: number; startFrame: number; data: Float32Array }
  | { type: 'end'; generation: number; totalFrames: number };

/** Decodes whole files on demand (one kept) and feeds the player from them. */
export class WholeFileFallback {
  private kept: { trackId: string; audio: Promise<DecodedAudio> } | null = null;
  private feed: Feed | null = null;

  constructor(
    private readonly decodeFile: (trackId: string) => Promise<DecodedAudio>,
    private readonly windowFrames: number,
    private readonly pieceFrames: number,
  ) {}

  /** The decoded track (decoding it, or sharing a decode under way); a failed decode is not kept. */
  decoded(trackId: string): Promise<DecodedAudio> {
    if (this.kept?.trackId === trackId) return this.kept.audio;
    const audio = this.decodeFile(trackId);
    const kept = { trackId, audio };
    this.kept = kept;
    audio.catch(() => {
      if (this.kept === kept) this.kept = null;
    });
    return audio;
  }

  /** Whether `trackId` decoded through the fallback before (a later play goes straight to it). */
  has(trackId: string): boolean {
    return this.kept?.trackId === trackId;
  }

  /** Plays `audio` as `generation` from `fromFrame` on. */
  begin(generation: number, audio: DecodedAudio, fromFrame: number): void {
    this.feed = { generation, audio, sentFrame: Math.max(0, Math.floor(fromFrame)), ended: false };
  }

  /** Stops feeding (a new play, a pause). */
  stop(): void {
    this.feed = null;
  }

  /** The generation being fed, or null. */
  get generation(): number | null {
    return this.feed?.generation ?? null;
  }

  /** The messages to send now for a play head at `headFrame` (null: where the feed started). */
  pump(headFrame: number | null): FallbackMessage[] {
    const feed = this.feed;
    if (!feed || feed.ended) return [];
    const total = feed.audio.length;
    const head = headFrame ?? feed.sentFrame;
    const out: FallbackMessage[] = nextPieces(
      feed.sentFrame,
      head,
      total,
      this.windowFrames,
      this.pieceFrames,
    ).map(([start, end]) => ({
      type: 'pcm',
      generation: feed.generation,
      startFrame: start,
      data: interleaveStereo(feed.audio, start, end),
    }));
    const last = out.at(-1);
    if (last?.type === 'pcm') feed.sentFrame = last.startFrame + (last.data.length >> 1);
    if (feed.sentFrame >= total) {
      feed.ended = true;
      out.push({ type: 'end', generation: feed.generation, totalFrames: total });
    }
    return out;
  }
}
