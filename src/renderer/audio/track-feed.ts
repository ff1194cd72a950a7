/**
 * Where the PCM of the engine's current play comes from: the decoder worker reading the track by byte
 * ranges, asked again with backoff while its bytes cannot be read; the browser's whole-file decoder
 * for a file the worker cannot decode; or a live source's stream. It also gets tracks ready ahead
 * (`preload`), and decodes the head of the track placed next beside the playing one (`startNext`),
 * which becomes the play when the player reaches it (`promoteNext`). The engine owns the context, the
 * player and the status; this owns the decoding.
 */
import { Backoff, type BackoffInit } from './decoder/backoff';
import { ClickSignal, clickPcm, type SignalPcm } from './decoder/click-signal';
import { sweepTrainPcm } from './decoder/sweep-train';
import { DecoderClient, TrackLoadError, type TrackLocation } from './decoder/decoder-client';
import { WholeFileFallback, type DecodedAudio, type FallbackMessage } from './decoder/whole-file';
import type { LiveStreamState } from './player/protocol';
import type { PlacedSegment } from './player/segment';

/** The fallback decoder keeps this much decoded ahead of the play head, sent in pieces of a quarter second. */
const FALLBACK_WINDOW_SEC = 10;
const FALLBACK_PIECE_SEC = 0.25;

/** What the feed needs from the engine. */
export interface FeedHost {
  readonly rate: number;
  /** Where a track's bytes are and how to ask for them. */
  source(trackId: string): TrackLocation;
  /** Where a live source's stream is. */
  liveSource(sourceId: string): { url: string; headers: Record<string, string> };
  /** The track frame the room is at now for `segment`. */
  joinFrame(segment: PlacedSegment): number;
  /** Decodes a whole file with the browser's decoder. */
  decodeWhole(trackId: string): Promise<DecodedAudio>;
  toPlayer(message: FallbackMessage): void;
  note(line: string): void;
  /** The play is loading, or waits for the whole-file decoder. */
  loading(decoding: boolean): void;
  /** The play cannot go on: `reason` in plain words; `permanent` when asking later will not help. */
  fail(trackId: string, reason: string, permanent: boolean): void;
  onLive(generation: number, state: LiveStreamState, detail: string | null): void;
  onWorkerError(message: string): void;
}

/** One play: its generation and segment. */
interface Play {
  generation: number;
  segment: PlacedSegment;
}

/** Feeds the player for the engine's current play; see the file comment. */
export class TrackFeed {
  private readonly decoder: DecoderClient;
  private readonly fallback: WholeFileFallback;
  private readonly backoff: Backoff;
  private readonly clicks: ClickSignal;
  private play: Play | null = null;
  /** The track placed after the play (gapless, crossfade), decoded beside it. */
  private next: Play | null = null;
  /** The play before the last promotion, whose end may still sound under a crossfade: its decode goes on. */
  private retiring: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private fallbackDurationSec: number | null = null;

  constructor(
    private readonly host: FeedHost,
    worker: Worker,
    playerPort: MessagePort,
    init: { preloadTimeoutMs: number; retry: BackoffInit },
  ) {
    this.decoder = new DecoderClient(
      worker,
      {
        onTrackError: (error, generation) => this.onTrackError(error, generation),
        onWorkerError: (message) => host.onWorkerError(message),
        onLive: (generation, state, detail) => host.onLive(generation, state, detail),
      },
      init.preloadTimeoutMs,
    );
    this.decoder.connectPlayer(playerPort);
    this.fallback = new WholeFileFallback(
      (trackId) => host.decodeWhole(trackId),
      FALLBACK_WINDOW_SEC * host.rate,
      FALLBACK_PIECE_SEC * host.rate,
    );
    this.backoff = new Backoff(init.retry);
    this.clicks = new ClickSignal(host.rate);
  }

  /** Gets a track ready to start at once; rejects with a `TrackLoadError` if it cannot be played here. */
  async preload(trackId: string): Promise<void> {
    try {
      await this.decoder.probe(this.host.source(trackId), this.host.rate);
    } catch (cause) {
      if (!(cause instanceof TrackLoadError)) throw cause;
      if (!cause.unsupported) {
        if (cause.transient) throw cause;
        throw new TrackLoadError(trackId, `The track could not be fetched: ${cause.message}`);
      }
      this.host.note(`track ${trackId}: the browser's whole-file decoder takes it (${cause.message})`);
      await this.fallback.decoded(trackId).catch((error: unknown) => {
        throw new TrackLoadError(trackId, undecodable(error), false, true);
      });
    }
  }

  /** Feeds `segment` as play `generation`: a track from where the room is, or a live source. */
  start(generation: number, segment: PlacedSegment, live: boolean): void {
    this.stop(false);
    this.play = { generation, segment };
    if (live) {
      const { url, headers } = this.host.liveSource(segment.trackId);
      this.decoder.openLive(url, headers, generation, segment.anchorGroupMs, this.host.rate);
      return this.host.loading(false);
    }
    if (this.fallback.has(segment.trackId)) return this.startFallback(this.play, null);
    this.open(this.play);
    this.host.loading(false);
  }

  /**
   * Decodes the head of `segment`, placed after the play as `generation`, beside the play's decode;
   * false when it cannot be fed that way (a live source, clicks, a whole-file track): it then starts as
   * a play of its own when the room gets to it.
   */
  startNext(generation: number, segment: PlacedSegment): boolean {
    const play = this.play;
    if (!play || this.fallback.has(segment.trackId) || this.fallback.generation === play.generation)
      return false;
    if (this.clicks.generation === play.generation) return false;
    this.next = { generation, segment };
    const keep = this.retiring === null ? [play.generation] : [play.generation, this.retiring];
    this.decoder.open(
      this.host.source(segment.trackId),
      generation,
      segment.anchorFrame,
      this.host.rate,
      keep,
    );
    return true;
  }

  /** The track placed next is now the play (the player reached it). */
  promoteNext(): void {
    const next = this.next;
    if (!next) return;
    this.next = null;
    this.retiring = this.play?.generation ?? null;
    this.play = next;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backoff.reset();
  }

  /** Forgets the track placed next (its decode ends with the next open). */
  dropNext(): void {
    this.next = null;
  }

  /** Feeds the click train as play `generation`; `segment` places its frame 0 on a whole second of group time. */
  startClicks(generation: number, segment: PlacedSegment): void {
    const firstSecond = Math.round(segment.anchorGroupMs / 1000);
    this.startSignal(generation, segment, (start, frames) =>
      clickPcm(start, frames, this.host.rate, firstSecond),
    );
  }

  /** Feeds calibration test signals as play `generation`: a sweep `startsSec[i]` after the segment's frame 0. */
  startSweeps(generation: number, segment: PlacedSegment, startsSec: readonly number[]): void {
    this.startSignal(generation, segment, (start, frames) =>
      sweepTrainPcm(start, frames, this.host.rate, startsSec),
    );
  }

  private startSignal(generation: number, segment: PlacedSegment, make: SignalPcm): void {
    this.stop(true);
    this.play = { generation, segment };
    this.clicks.beginSignal(generation, make, this.host.joinFrame(segment));
    this.pump(null);
    this.host.loading(false);
  }

  /** Stops feeding (a pause, a stop, or before the next play); `close` also stops the decoder. */
  stop(close = true): void {
    this.play = null;
    this.next = null;
    this.retiring = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backoff.reset();
    this.fallback.stop();
    this.clicks.stop();
    this.fallbackDurationSec = null;
    if (close) this.decoder.close();
  }

  /** Sends the next pieces the engine makes itself (whole-file decode, click train) for a play head at `headFrame`. */
  pump(headFrame: number | null): void {
    const generation = this.play?.generation;
    if (generation === undefined) return;
    if (this.fallback.generation === generation)
      for (const message of this.fallback.pump(headFrame)) this.host.toPlayer(message);
    if (this.clicks.generation === generation)
      for (const message of this.clicks.pump(headFrame)) this.host.toPlayer(message);
  }

  /** The track's length, once known. */
  durationSec(trackId: string): number | null {
    return this.decoder.info(trackId)?.durationSec ?? this.fallbackDurationSec;
  }

  terminate(): void {
    this.stop(false);
    this.decoder.terminate();
  }

  private open(play: Play): void {
    const { segment, generation } = play;
    this.decoder.open(
      this.host.source(segment.trackId),
      generation,
      this.host.joinFrame(segment),
      this.host.rate,
      // (A restart of the play keeps the next track's decode going.)
      this.next ? [this.next.generation] : [],
    );
  }

  private onTrackError(error: TrackLoadError, generation: number | null): void {
    this.host.note(`track ${error.trackId}: ${error.message}`);
    if (this.next && generation === this.next.generation) {
      // The room starts it as a play of its own when it gets there, asked again as usual.
      this.next = null;
      return;
    }
    const play = this.play;
    if (!play || generation !== play.generation) return;
    if (error.unsupported) return this.startFallback(play, error.message);
    const wait = error.transient ? this.backoff.next() : null;
    if (wait === null)
      return this.host.fail(play.segment.trackId, `The track could not be fetched: ${error.message}`, false);
    this.host.note(`asking again in ${wait} ms (try ${this.backoff.count})`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.play === play) this.open(play);
    }, wait);
  }

  /** Plays from the browser's whole-file decode of the track. */
  private startFallback(play: Play, reason: string | null): void {
    const trackId = play.segment.trackId;
    if (reason !== null)
      this.host.note(`track ${trackId}: the browser's whole-file decoder takes it (${reason})`);
    this.host.loading(true);
    this.fallback.decoded(trackId).then(
      (audio) => {
        if (this.play !== play) return;
        this.fallbackDurationSec = audio.length / this.host.rate;
        this.fallback.begin(play.generation, audio, this.host.joinFrame(play.segment));
        this.pump(null);
        this.host.loading(false);
      },
      (error: unknown) => {
        if (this.play === play) this.host.fail(trackId, undecodable(error), true);
      },
    );
  }
}

/** The reason a file the browser's whole-file decoder failed on is given to the user. */
function undecodable(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `This file could not be decoded: ${text}`;
}
