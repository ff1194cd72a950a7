/**
 * The engine's current play (`engine.ts`): the segment it placed in group time and its generation, the
 * track placed next and the hand-over to it without a restart (`next-track.ts`), the clock line the
 * player steers by, and what the player reports of the play (its notes, first sound, sync error, and the
 * end, once heard). The engine's public face, its lifetime and its following of the room's state build
 * on it.
 */
import { EngineState, type OutputSettings } from './engine-state';
import type { OutputStage } from './engine-output';
import type { GroupTimeSource } from './group-clock';
import { NextTrack } from './next-track';
import type { EngineToPlayer, PlayerStatus } from './player/protocol';
import { groupMsOfTrackFrame, type PlacedSegment } from './player/segment';
import { readStatus } from './player/status-reading';
import { linearGain, type PlaybackSchedule } from './timeline';
import type { TrackFeed } from './track-feed';

/** The play the engine's player renders; see the file comment. */
export abstract class EnginePlay extends EngineState {
  protected output: OutputStage | null = null;
  protected feed: TrackFeed | null = null;
  protected segment: PlacedSegment | null = null;
  /** The generation of the play; numbers come from `generations`, shared with the next track's. */
  protected generation = 0;
  protected generations = 0;
  protected readonly nextTrack = new NextTrack({
    rate: () => this.rate,
    groupNowMs: () => this.groupClock.performanceToGroup(performance.now())?.groupMs ?? null,
    newGeneration: () => ++this.generations,
    startNext: (generation, segment) => this.feed?.startNext(generation, segment) ?? false,
    queue: (segment, overlapFrames) => this.toPlayer({ type: 'queue', segment, overlapFrames }),
    setGain: (generation, gain) => this.toPlayer({ type: 'gain', generation, gain }),
    drop: () => {
      this.toPlayer({ type: 'drop-next' });
      this.feed?.dropNext();
    },
  });
  protected player: PlayerStatus | null = null;
  /** Context frame at which the player rendered the track's last frame, until that frame has been heard. */
  private endingAtFrame: number | null = null;

  constructor(
    settings: OutputSettings,
    protected readonly groupClock: GroupTimeSource,
  ) {
    super(settings);
  }

  /** Group time (ms) at which frame `frame` (at the context rate) of the current track is heard, per the player's last status. */
  groupTimeOfFrame(frame: number): number | null {
    const segment = this.segment;
    const errorFrames = this.player?.errorFrames;
    if (!segment || errorFrames === null || errorFrames === undefined) return null;
    return groupMsOfTrackFrame(segment, frame - errorFrames, this.rate);
  }

  protected currentRatio(): number {
    return this.player?.ratio ?? 1;
  }

  get rate(): number {
    return this.output?.rate ?? 48_000;
  }

  /** A new generation: what the player said of the last one no longer holds. */
  protected beginPlay(): number {
    this.syncErrorMs = null;
    this.syncBoundMs = null;
    this.player = null;
    this.endingAtFrame = null;
    this.liveTrouble = null;
    this.nextTrack.clear();
    this.generation = ++this.generations;
    return this.generation;
  }

  /** The track placed next is the play now (the player reached it, or the room's state did). */
  protected takeNext(): void {
    const segment = this.nextTrack.take();
    if (!segment) return;
    const error = this.player?.errorFrames;
    const before =
      error === null || error === undefined
        ? ''
        : ` (play head ${((error * 1000) / this.rate).toFixed(2)} ms off before it)`;
    this.segment = segment;
    this.generation = segment.generation;
    this.player = null;
    this.endingAtFrame = null;
    this.feed?.promoteNext();
    this.note(`on to ${segment.trackId.slice(0, 8)} without a restart${before}`);
  }

  /** The play's gain follows the state's (the room's loudness setting changed, or the track's loudness became known): the player ramps to it. */
  protected followGain(state: PlaybackSchedule): void {
    const segment = this.segment;
    const gain = linearGain(state.gainDb);
    if (!segment || segment.trackId !== state.trackId || (segment.gain ?? 1) === gain) return;
    this.segment = { ...segment, gain };
    this.toPlayer({ type: 'gain', generation: segment.generation, gain });
  }

  protected toPlayer(message: EngineToPlayer, transfer: Transferable[] = []): void {
    this.output?.toPlayer(message, transfer);
  }

  /** Sends the player the group time of its output frames (`clock-line.ts`). */
  protected pushClockLine(): void {
    const boundMs = this.output?.pushClockLine(this.settings.outputOffsetMs, this.groupClock) ?? null;
    if (boundMs !== null) this.syncBoundMs = this.player?.phase === 'playing' ? boundMs : null;
  }

  /**
   * The player has rendered the last frame an output latency before it is heard: the track is 'ended' once
   * the output clock map says that frame has left the speakers, not when it was rendered.
   */
  protected noteEnd(): void {
    const frame = this.endingAtFrame;
    if (frame === null || !this.output?.heard(frame)) return;
    this.endingAtFrame = null;
    if (this.player?.phase === 'ended') this.setStatus('ended');
  }

  protected onPlayerStatus(status: PlayerStatus): void {
    if (status.generation === this.nextTrack.segment?.generation) this.takeNext();
    const segment = this.segment;
    if (status.generation !== this.generation || !segment) return;
    const reading = readStatus(this.player, status, this.rate, this.status);
    this.player = status;
    const renderedEndAt = this.recordReading(reading, segment, this.output?.fit() ?? null, this.rate);
    if (renderedEndAt !== null) this.endingAtFrame ??= renderedEndAt;
  }
}
