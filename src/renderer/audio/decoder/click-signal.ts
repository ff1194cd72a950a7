/**
 * The calibration click train as PCM the engine makes itself and plays through its one player, so an
 * output offset tuned with it is the one the music uses (#25 item 4): a click on every second of group
 * time (a higher, louder one every fourth), placed like a track whose frame 0 is heard at a whole
 * second of group time. Made in pieces a little ahead of the play head, as a decoder would send them.
 */
import { nextPieces, type FallbackMessage } from './whole-file';

/** How long a click rings (s), its attack (s), and its tones (Hz). */
const CLICK_SEC = 0.04;
const ATTACK_SEC = 0.001;
const DECAY_SEC = 0.03;
const TONE_HZ = 1320;
const ACCENT_HZ = 1760;
const BEATS_PER_BAR = 4;

/**
 * Interleaved stereo frames `[startFrame, startFrame + frames)` of the click train at `rate`, whose frame 0
 * is heard at group second `firstSecond` (so accents fall on group seconds divisible by four).
 */
export function clickPcm(
  startFrame: number,
  frames: number,
  rate: number,
  firstSecond: number,
  volume = 0.6,
): Float32Array {
  const out = new Float32Array(frames * 2);
  const ringFrames = Math.round(CLICK_SEC * rate);
  const decay = Math.log(0.0001) / DECAY_SEC;
  for (let i = 0; i < frames; i++) {
    const frame = startFrame + i;
    const within = frame % rate;
    if (within >= ringFrames) continue;
    const second = firstSecond + Math.floor(frame / rate);
    const accent = ((second % BEATS_PER_BAR) + BEATS_PER_BAR) % BEATS_PER_BAR === 0;
    const t = within / rate;
    const level = accent ? volume : volume * 0.6;
    const envelope = t < ATTACK_SEC ? t / ATTACK_SEC : Math.exp(decay * (t - ATTACK_SEC));
    const v = level * envelope * Math.sin(2 * Math.PI * (accent ? ACCENT_HZ : TONE_HZ) * t);
    out[i * 2] = v;
    out[i * 2 + 1] = v;
  }
  return out;
}

/** Makes frames `[startFrame, startFrame + frames)` of a signal as interleaved stereo. */
export type SignalPcm = (startFrame: number, frames: number) => Float32Array;

/**
 * Feeds a signal the engine makes (the click train, or calibration test signals) to the player, `aheadSec`
 * ahead of its play head.
 */
export class ClickSignal {
  private feed: { generation: number; make: SignalPcm; sentFrame: number } | null = null;

  constructor(
    private readonly rate: number,
    private readonly aheadSec = 1,
    private readonly pieceSec = 0.25,
  ) {}

  /** Plays as `generation`, frame 0 heard at group second `firstSecond`, from `fromFrame` on. */
  begin(generation: number, firstSecond: number, fromFrame: number): void {
    this.beginSignal(
      generation,
      (start, frames) => clickPcm(start, frames, this.rate, firstSecond),
      fromFrame,
    );
  }

  /** Plays the signal `make` as `generation`, from `fromFrame` on. */
  beginSignal(generation: number, make: SignalPcm, fromFrame: number): void {
    this.feed = { generation, make, sentFrame: Math.max(0, Math.floor(fromFrame)) };
  }

  stop(): void {
    this.feed = null;
  }

  get generation(): number | null {
    return this.feed?.generation ?? null;
  }

  /** The pieces to send now for a play head at `headFrame` (null: where the feed started). */
  pump(headFrame: number | null): FallbackMessage[] {
    const feed = this.feed;
    if (!feed) return [];
    const piece = Math.round(this.pieceSec * this.rate);
    const head = headFrame ?? feed.sentFrame;
    const pieces = nextPieces(feed.sentFrame, head, Infinity, Math.round(this.aheadSec * this.rate), piece);
    const out: FallbackMessage[] = pieces.map(([start, end]) => ({
      type: 'pcm',
      generation: feed.generation,
      startFrame: start,
      data: feed.make(start, end - start),
    }));
    const last = pieces.at(-1);
    if (last) feed.sentFrame = last[1];
    return out;
  }
}
