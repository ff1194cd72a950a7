/**
 * The audio engine: plays the room's timeline on this device through one AudioWorklet.
 *
 * Parts (each in its own file): the decoder worker reads the track by byte ranges and decodes a
 * bounded window ahead of the play head (`decoder/`); the player worklet renders it against a
 * segment placed in group time at its own gain (loudness), steering its play head by fractional
 * resampling (`player/`); the output graph applies channel and volume (`output-graph.ts`). This class
 * wires them on the page's one long-lived AudioContext and feeds the player a clock line several
 * times a second: group time of each output frame, from the output clock map (getOutputTimestamp, so
 * it holds the output latency) and the group clock, plus this device's `outputOffsetMs`.
 *
 * The current play, the hand-over to the track placed next (gapless or over a crossfade: `next-track.ts`,
 * `player/player-mix.ts`) and what the player reports are `engine-play.ts`; the click train and the
 * calibration signals that play in place of the room's timeline, `signal-override.ts`.
 *
 * Where the PCM comes from (the decoder, asked again with backoff; the whole-file fallback; a live
 * stream) is `track-feed.ts`'s business. What fails for good sets status 'error' with a reason in plain
 * words and calls `onTrackFailed`.
 */
import type { ClockMapFit } from './clock-map';
import { performanceToContext } from './clock-map';
import { TrackLoadError } from './decoder/decoder-client';
import {
  resolveInit,
  type AudioEngineComponents,
  type AudioEngineInit,
  type ResolvedInit,
} from './engine-options';
import { OutputStage } from './engine-output';
import { EnginePlay } from './engine-play';
import type { OutputSettings } from './engine-state';
import type { PlacedSegment } from './player/segment';
import { expectedPosition, linearGain, scheduleChange, type PlaybackSchedule } from './timeline';
import { segmentPlays } from './next-track';
import { createEngineFeed } from './engine-feed';
import { SignalOverride, type TestSignalPlan } from './signal-override';

export { TrackLoadError };

/** Plays the room's timeline on this device; see the file comment. */
export class AudioEngine extends EnginePlay {
  private readonly opts: ResolvedInit;
  private timer: ReturnType<typeof setInterval> | null = null;
  private starting: Promise<void> | null = null;
  private target: PlaybackSchedule | null = null;
  /** What plays instead of the room's timeline: the output offset's click test, or calibration signals. */
  private readonly signals = new SignalOverride({
    groupClock: () => this.groupClock,
    ready: async () => {
      await this.start();
      await this.resume();
    },
    play: (kind, anchorGroupMs) => {
      const generation = this.beginPlay();
      // (At gain 1, the default: a signal's level is set where it is made.)
      const segment: PlacedSegment = { generation, trackId: kind, anchorGroupMs, anchorFrame: 0 };
      this.segment = segment;
      this.pushClockLine();
      this.toPlayer({ type: 'play', segment });
      return segment;
    },
    feed: () => this.feed,
    backToRoom: () => {
      const room = this.target;
      this.target = null;
      this.schedule(room);
    },
  });
  private lastReportMs = 0;

  constructor(
    private readonly components: AudioEngineComponents,
    init: AudioEngineInit = {},
  ) {
    super(
      { volume: 1, outputOffsetMs: 0, channel: 'stereo', ...init.initialSettings },
      components.groupClock,
    );
    this.opts = resolveInit(init);
  }

  /** Creates the AudioContext, the player and the decoder, and starts the clock map; idempotent. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const output = await OutputStage.open({
      createContext: this.components.createContext,
      playerWorkletUrl: this.components.playerWorkletUrl,
      settings: this.settings,
      rampSec: this.opts.rampSec,
      clockMap: this.opts.clockMap,
      onPlayerStatus: (status) => this.onPlayerStatus(status),
      onClockStep: (stepMs) => this.note(`output clock moved ${stepMs.toFixed(2)} ms`),
      onContextState: this.emit,
    });
    this.output = output;
    // The decoder sends PCM straight to the player, and the player its play head straight back.
    const channel = new MessageChannel();
    this.toPlayer({ type: 'decoder-port', port: channel.port2 }, [channel.port2]);
    this.feed = createEngineFeed(output.context, channel.port1, this.components, this.opts, {
      rate: output.rate,
      groupNowMs: () => this.groupTimeNow(),
      generation: () => this.generation,
      toPlayer: (message, transfer) => this.toPlayer(message, transfer),
      note: (line) => this.note(line),
      status: () => this.status,
      setStatus: (status, reason) => this.setStatus(status, reason),
      liveTrouble: (text) => {
        this.liveTrouble = text;
        this.emit();
      },
    });
    this.timer = setInterval(() => this.tick(), this.opts.clockLineMs);
    // A state pushed before start() is played now.
    const pending = this.target;
    this.target = null;
    this.schedule(pending);
    await this.resume();
  }

  /** Resumes the AudioContext (a browser tab may need a user gesture for this). */
  async resume(): Promise<void> {
    const ctx = this.output?.context;
    if (ctx && ctx.state === 'suspended') await ctx.resume();
    this.emit();
  }

  /** Stops everything and closes the AudioContext. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    this.starting = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.signals.clear();
    this.feed?.terminate();
    this.feed = null;
    this.target = null;
    this.segment = null;
    this.nextTrack.clear();
    this.generation = ++this.generations;
    const output = this.output;
    this.output = null;
    await output?.close();
    this.setStatus('idle');
  }

  /**
   * Gets a track ready to start at once (its header read and its first seconds decoded), e.g. the
   * next one in the queue; a file only the browser's whole-file decoder reads is decoded whole.
   * Rejects with a `TrackLoadError` if it cannot be played (`transient` if asking later may work).
   */
  async preload(trackId: string): Promise<void> {
    const began = performance.now();
    await this.start();
    await this.feed?.preload(trackId);
    this.note(`track ${trackId.slice(0, 8)} ready to start (${(performance.now() - began).toFixed(0)} ms)`);
  }

  /**
   * Follows the playback state: plays `state.trackId` so that `anchor.positionSec` is heard at
   * `anchor.groupTimeMs`, joins late, pauses at the anchor, or stops (null). Repeating the same
   * timeline is a no-op, so the state can be pushed as often as it arrives.
   */
  schedule(state: PlaybackSchedule | null): void {
    const previous = this.target;
    this.target = state;
    if (this.signals.kind) return; // played when the clicks or signals stop
    // The room reached the track placed next: it plays already (or is about to, on the same frame).
    if (state && this.nextTrack.reached(state)) this.takeNext();
    // (Also after a gapless change the player made before this state came: the play is already it.)
    const failed = this.status === 'error';
    const playsIt =
      !failed && !!state && !state.held && !!this.segment && segmentPlays(this.segment, state, this.rate);
    if (playsIt || scheduleChange(previous, state, failed) === 'keep') {
      if (state) this.followGain(state);
      this.nextTrack.follow(state, this.segment !== null);
      return;
    }
    if (!this.output) return; // start() plays it
    const generation = this.beginPlay();
    if (!state || state.paused || state.held) {
      // A held start's anchor is a placeholder: decoding for it would only load the machine (and the
      // decoder) just before the real start comes; the preparer has the track's head decoded already.
      this.segment = null;
      this.toPlayer({ type: 'stop', atGroupMs: state?.paused ? state.anchor.groupTimeMs : null });
      this.feed?.stop();
      return this.setStatus(state?.held ? 'loading' : state ? 'paused' : 'idle');
    }
    const segment: PlacedSegment = {
      generation,
      trackId: state.trackId,
      anchorGroupMs: state.anchor.groupTimeMs,
      anchorFrame: Math.round(state.anchor.positionSec * this.rate),
      gain: linearGain(state.gainDb),
    };
    this.segment = segment;
    this.pushClockLine();
    this.toPlayer({ type: 'play', segment });
    this.feed?.start(generation, segment, !!state.live);
    this.nextTrack.follow(state, true);
  }

  /**
   * Plays the click train (a click on every second of group time) instead of the room's timeline, through
   * the same player and clock line as the music, so the output offset tuned with it is the music's; off
   * goes back to the room's timeline where it is now. Rejects before the group clock has an estimate.
   */
  playClicks(on: boolean): Promise<void> {
    return this.signals.playClicks(on);
  }

  /**
   * Plays calibration test signals (#23) instead of the room's timeline from group time `startGroupMs` to
   * `endGroupMs`: a sweep starting at each of `atGroupMs`, through the same player, clock line and output
   * offset as the music, so a delay measured from it is the music's. Then goes back to the room's timeline.
   */
  playTestSignal(plan: TestSignalPlan): Promise<void> {
    return this.signals.playTestSignal(plan);
  }

  /** Whether the click train plays. */
  get clicks(): boolean {
    return this.signals.kind === 'clicks';
  }

  /** Group time now (ms), or null before the group clock has an estimate. */
  groupTimeNow(): number | null {
    return this.groupClock.performanceToGroup(performance.now())?.groupMs ?? null;
  }

  /** What this speaker needs before a start (ms; `OutputStage.startNeedMs`), or null before its output runs. */
  startNeedMs(): number | null {
    return this.output?.startNeedMs(this.settings.outputOffsetMs) ?? null;
  }

  /** Context time (s) this engine's output plays at group time `groupMs`; null before the clocks have estimates. */
  contextTimeOfGroup(groupMs: number): number | null {
    const fit = this.output?.fit();
    const performanceMs = this.groupClock.groupToPerformance(groupMs);
    if (!fit || performanceMs === null) return null;
    return performanceToContext(fit, performanceMs);
  }

  /** Changes volume, channel or output offset, with ramps (an offset change moves the clock line; the player follows). */
  setSettings(patch: Partial<OutputSettings>): void {
    const old = this.settings;
    this.settings = { ...old, ...patch };
    if (patch.volume !== undefined && patch.volume !== old.volume)
      this.output?.graph.setVolume(this.settings.volume);
    if (patch.channel !== undefined && patch.channel !== old.channel)
      this.output?.graph.setChannel(this.settings.channel);
    if (patch.outputOffsetMs !== undefined && patch.outputOffsetMs !== old.outputOffsetMs)
      this.pushClockLine();
  }

  /** Track position (s) the room is at right now, for a smooth progress bar between snapshots. */
  positionNow(): number {
    const state = this.target;
    if (!state) return 0;
    if (state.paused) return state.anchor.positionSec;
    const g = this.groupClock.performanceToGroup(performance.now());
    const pos = g ? expectedPosition(state.anchor, g.groupMs) : state.anchor.positionSec;
    return Math.max(0, Math.min(this.durationSec() ?? Infinity, pos));
  }

  /** The AudioContext, once started. */
  get audioContext(): AudioContext | null {
    return this.output?.context ?? null;
  }

  /** The clock map's current fit, or null. */
  outputClock(): ClockMapFit | null {
    return this.output?.fit() ?? null;
  }

  protected durationSec(): number | null {
    const id = this.target?.trackId;
    return id ? (this.feed?.durationSec(id) ?? null) : null;
  }

  protected contextState(): AudioContextState | 'none' {
    return this.output?.context.state ?? 'none';
  }

  protected currentTrackId(): string | null {
    return this.target?.trackId ?? null;
  }

  /** Whether this device plays `trackId` now (the room's timeline is on it and the player sounds). */
  sounds(trackId: string): boolean {
    return this.status === 'playing' && this.currentTrackId() === trackId;
  }

  private tick(): void {
    this.noteEnd();
    this.noteUnderruns(this.output?.context ?? null);
    this.pushClockLine();
    if (!this.signals.kind) this.nextTrack.follow(this.target, this.segment !== null);
    this.feed?.pump(this.player?.headFrame ?? null);
    const now = performance.now();
    const report = this.opts.onSyncReport;
    if (report && this.syncErrorMs !== null && this.syncBoundMs !== null) {
      if (now - this.lastReportMs >= this.opts.reportIntervalMs) {
        this.lastReportMs = now;
        report(this.syncErrorMs, this.syncBoundMs);
      }
    }
    this.emit();
  }
}
