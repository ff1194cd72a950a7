/**
 * The streaming audio engine: plays the room's timeline on this device through one AudioWorklet.
 * (It replaces the whole-file engine in `engine.ts` once the app switches to it: #25.)
 *
 * Parts (each in its own file): the decoder worker reads the track by byte ranges and decodes a
 * bounded window ahead of the play head (`decoder/`); the player worklet renders it against a
 * segment placed in group time, steering its play head by fractional resampling (`player/`); the
 * output graph applies channel and volume (`output-graph.ts`). This class wires them on the page's
 * one long-lived AudioContext and feeds the player a clock line several times a second: group time
 * of each output frame, from the output clock map (getOutputTimestamp, so it holds the output latency)
 * and the group clock, plus this device's `outputOffsetMs`.
 */
import type { ClockMapFit, ClockMapInit } from './clock-map';
import { ClockMap, contextToPerformance } from './clock-map';
import type { GroupTimeSource } from './group-clock';
import { connectOutput, type OutputGraph } from './output-graph';
import { DecoderClient, TrackLoadError, type TrackLocation } from './decoder/decoder-client';
import type { EngineToPlayer, PlayerStatus } from './player/protocol';
import { groupMsOfTrackFrame, type PlacedSegment } from './player/segment';
import { clockLineAt } from './clock-line';
import { EngineState, type OutputSettings, type StartRecord } from './engine-state';
import { expectedPosition, sameTimeline, type PlaybackSchedule } from './timeline';

export { TrackLoadError };

/** The narrow parts the engine is built from. */
export interface StreamEngineComponents {
  groupClock: GroupTimeSource;
  /** `new AudioContext({ latencyHint: 'playback' })` by default: starts are scheduled ahead, so the longer buffer costs nothing. */
  createContext?: () => AudioContext;
  /** Starts the decoder worker (the bundler knows where its script is). */
  createDecoder: () => Worker;
  /** URL of the player worklet's module. */
  playerWorkletUrl: string;
  /** Headers for media requests (the API token). */
  mediaHeaders?: () => Record<string, string>;
}

/** Options; each has a default. */
export interface StreamEngineInit {
  /** URL of a track's bytes. Default `/media/track/<id>`. */
  trackUrl?: (trackId: string) => string;
  /** Length of volume and channel ramps (ms). */
  rampMs?: number;
  /** How often the player gets a fresh clock line (ms). */
  clockLineMs?: number;
  /** How often `onSyncReport` is called while playing (ms). */
  reportIntervalMs?: number;
  onSyncReport?: (errorMs: number, boundMs: number) => void;
  clockMap?: ClockMapInit;
  initialSettings?: Partial<OutputSettings>;
  /** Longest wait for a track's header in `preload` (ms). */
  preloadTimeoutMs?: number;
}

/** Plays the room's timeline on this device; see the file comment. */
export class StreamEngine extends EngineState {
  private readonly groupClock: GroupTimeSource;
  private readonly components: StreamEngineComponents;
  private readonly trackUrl: (trackId: string) => string;
  private readonly rampSec: number;
  private readonly clockLineMs: number;
  private readonly reportIntervalMs: number;
  private readonly onSyncReport: ((errorMs: number, boundMs: number) => void) | undefined;
  private readonly clockMapInit: ClockMapInit;
  private readonly preloadTimeoutMs: number;
  private context: AudioContext | null = null;
  private clockMap: ClockMap | null = null;
  private node: AudioWorkletNode | null = null;
  private decoder: DecoderClient | null = null;
  private graph: OutputGraph | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private starting: Promise<void> | null = null;
  private target: PlaybackSchedule | null = null;
  private segment: PlacedSegment | null = null;
  private generation = 0;
  private player: PlayerStatus | null = null;
  /** Context frame at which the player rendered the track's last frame, until that frame has been heard. */
  private endingAtFrame: number | null = null;
  private lastReportMs = 0;

  constructor(components: StreamEngineComponents, init: StreamEngineInit = {}) {
    super({ volume: 1, outputOffsetMs: 0, channel: 'stereo', ...init.initialSettings });
    this.components = components;
    this.groupClock = components.groupClock;
    this.trackUrl = init.trackUrl ?? ((id) => `/media/track/${encodeURIComponent(id)}`);
    this.rampSec = (init.rampMs ?? 15) / 1000;
    this.clockLineMs = init.clockLineMs ?? 100;
    this.reportIntervalMs = init.reportIntervalMs ?? 1000;
    this.onSyncReport = init.onSyncReport;
    this.clockMapInit = init.clockMap ?? {};
    this.preloadTimeoutMs = init.preloadTimeoutMs ?? 30_000;
  }

  /** Creates the AudioContext, the player and the decoder, and starts the clock map; idempotent. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const ctx = (this.components.createContext ?? (() => new AudioContext({ latencyHint: 'playback' })))();
    this.context = ctx;
    await ctx.audioWorklet.addModule(this.components.playerWorkletUrl);
    const node = new AudioWorkletNode(ctx, 'firefly-player', {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [2],
    });
    this.node = node;
    this.graph = connectOutput(ctx, node, { ...this.settings, rampSec: this.rampSec });
    this.decoder = new DecoderClient(
      this.components.createDecoder(),
      {
        onTrackError: (error, generation) => {
          this.note(`track ${error.trackId}: ${error.message}`);
          if (generation === this.generation)
            this.setStatus('error', `track ${error.trackId}: ${error.message}`);
        },
        onWorkerError: (message) => this.setStatus('error', message),
      },
      this.preloadTimeoutMs,
    );
    // The decoder sends PCM straight to the player, and the player its play head straight back.
    const channel = new MessageChannel();
    this.decoder.connectPlayer(channel.port1);
    this.toPlayer({ type: 'decoder-port', port: channel.port2 }, [channel.port2]);
    node.port.onmessage = (event: MessageEvent<PlayerStatus>) => this.onPlayerStatus(event.data);
    this.clockMap = new ClockMap(ctx, this.clockMapInit);
    this.clockMap.start();
    this.clockMap.onStep((stepMs) => this.note(`output clock moved ${stepMs.toFixed(2)} ms`));
    ctx.addEventListener('statechange', this.emit);
    this.timer = setInterval(() => this.tick(), this.clockLineMs);
    // A state pushed before start() is played now.
    const pending = this.target;
    this.target = null;
    this.schedule(pending);
    await this.resume();
  }

  /** Resumes the AudioContext (a browser tab may need a user gesture for this). */
  async resume(): Promise<void> {
    if (this.context && this.context.state === 'suspended') await this.context.resume();
    this.emit();
  }

  /** Stops everything and closes the AudioContext. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    this.starting = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clockMap?.stop();
    this.clockMap = null;
    this.decoder?.terminate();
    this.decoder = null;
    this.graph?.disconnect();
    this.graph = null;
    this.node = null;
    this.target = null;
    this.segment = null;
    this.generation++;
    const ctx = this.context;
    this.context = null;
    if (ctx) {
      ctx.removeEventListener('statechange', this.emit);
      await ctx.close();
    }
    this.setStatus('idle');
  }

  /** Reads a track's header ahead of time (e.g. the next one in the queue); rejects if it cannot be played. */
  async preload(trackId: string): Promise<void> {
    await this.start();
    await this.decoder?.probe(this.source(trackId), this.rate);
  }

  /**
   * Follows the playback state: plays `state.trackId` so that `anchor.positionSec` is heard at
   * `anchor.groupTimeMs`, joins late, pauses at the anchor, or stops (null). Repeating the same
   * timeline is a no-op, so the state can be pushed as often as it arrives.
   */
  schedule(state: PlaybackSchedule | null): void {
    const previous = this.target;
    this.target = state;
    if (
      state &&
      previous &&
      !state.paused &&
      !previous.paused &&
      state.trackId === previous.trackId &&
      sameTimeline(state.anchor, previous.anchor) &&
      this.status !== 'error'
    ) {
      return;
    }
    if (!this.node) return; // start() plays it
    const generation = ++this.generation;
    this.syncErrorMs = null;
    this.syncBoundMs = null;
    this.player = null;
    this.endingAtFrame = null;
    if (!state || state.paused) {
      this.segment = null;
      this.toPlayer({ type: 'stop', atGroupMs: state ? state.anchor.groupTimeMs : null });
      this.decoder?.close();
      return this.setStatus(state ? 'paused' : 'idle');
    }
    const rate = this.rate;
    const segment: PlacedSegment = {
      generation,
      trackId: state.trackId,
      anchorGroupMs: state.anchor.groupTimeMs,
      anchorFrame: Math.round(state.anchor.positionSec * rate),
    };
    this.segment = segment;
    // A start in the past joins where the room is now; the player waits for that frame.
    const now = this.groupClock.performanceToGroup(performance.now());
    const joinFrame = now ? Math.floor(expectedPosition(state.anchor, now.groupMs) * rate) : 0;
    this.pushClockLine();
    this.toPlayer({ type: 'play', segment });
    this.decoder?.open(
      this.source(state.trackId),
      generation,
      Math.max(segment.anchorFrame, joinFrame),
      rate,
    );
    this.setStatus('loading');
  }

  /** Changes volume, channel or output offset, with ramps (an offset change moves the clock line; the player follows). */
  setSettings(patch: Partial<OutputSettings>): void {
    const old = this.settings;
    this.settings = { ...old, ...patch };
    if (patch.volume !== undefined && patch.volume !== old.volume)
      this.graph?.setVolume(this.settings.volume);
    if (patch.channel !== undefined && patch.channel !== old.channel)
      this.graph?.setChannel(this.settings.channel);
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
    return this.context;
  }

  /** The clock map's current fit, or null. */
  outputClock(): ClockMapFit | null {
    return this.clockMap?.fit() ?? null;
  }

  /** Group time (ms) at which frame `frame` (at the context rate) of the current track is heard, per the player's last status. */
  groupTimeOfFrame(frame: number): number | null {
    const segment = this.segment;
    const errorFrames = this.player?.errorFrames;
    if (!segment || errorFrames === null || errorFrames === undefined) return null;
    return groupMsOfTrackFrame(segment, frame - errorFrames, this.rate);
  }

  protected durationSec(): number | null {
    const id = this.target?.trackId;
    return id ? (this.decoder?.info(id)?.durationSec ?? null) : null;
  }

  protected contextState(): AudioContextState | 'none' {
    return this.context?.state ?? 'none';
  }

  protected currentTrackId(): string | null {
    return this.target?.trackId ?? null;
  }

  protected currentRatio(): number {
    return this.player?.ratio ?? 1;
  }

  private get rate(): number {
    return this.context?.sampleRate ?? 48_000;
  }

  private source(trackId: string): TrackLocation {
    return {
      trackId,
      url: new URL(this.trackUrl(trackId), location.href).href,
      headers: this.components.mediaHeaders?.() ?? {},
    };
  }

  private toPlayer(message: EngineToPlayer, transfer: Transferable[] = []): void {
    this.node?.port.postMessage(message, transfer);
  }

  /** Sends the player the group time of its output frames (`clock-line.ts`). */
  private pushClockLine(): void {
    const ctx = this.context;
    const fit = this.clockMap?.fit();
    if (!ctx || !fit) return;
    const reading = clockLineAt(
      ctx.currentTime,
      fit,
      this.settings.outputOffsetMs,
      this.groupClock,
      this.rate,
    );
    if (!reading) return;
    this.toPlayer({ type: 'clock', line: reading.line });
    this.syncBoundMs = this.player?.phase === 'playing' ? reading.boundMs : null;
  }

  private tick(): void {
    this.noteEnd();
    this.noteUnderruns(this.context);
    this.pushClockLine();
    const now = performance.now();
    if (
      this.onSyncReport &&
      this.syncErrorMs !== null &&
      this.syncBoundMs !== null &&
      now - this.lastReportMs >= this.reportIntervalMs
    ) {
      this.lastReportMs = now;
      this.onSyncReport(this.syncErrorMs, this.syncBoundMs);
    }
    this.emit();
  }

  /**
   * The player has rendered the last frame an output latency before it is heard: the track is 'ended' once
   * the output clock map says that frame has left the speakers, not when it was rendered.
   */
  private noteEnd(): void {
    const fit = this.clockMap?.fit();
    const frame = this.endingAtFrame;
    if (frame === null || !fit) return;
    if (performance.now() < contextToPerformance(fit, frame / this.rate)) return;
    this.endingAtFrame = null;
    if (this.player?.phase === 'ended') this.setStatus('ended');
  }

  private onPlayerStatus(status: PlayerStatus): void {
    if (status.generation !== this.generation || !this.segment) return;
    const before = this.player;
    this.player = status;
    if (status.started && (!before?.started || before.started.contextFrame !== status.started.contextFrame)) {
      this.recordStart(this.segment, status.started);
    }
    if (status.repositions > (before?.repositions ?? 0)) {
      this.correctionCount += status.repositions - (before?.repositions ?? 0);
      this.note(
        `re-positioned (error ${(((status.repositionErrorFrames ?? 0) * 1000) / this.rate).toFixed(2)} ms)`,
      );
    }
    if (
      status.phase === 'playing' &&
      status.starvedFrames > (before?.starvedFrames ?? 0) &&
      before?.phase === 'playing'
    ) {
      this.note(
        `underrun: ${(((status.starvedFrames - before.starvedFrames) * 1000) / this.rate).toFixed(1)} ms without decoded audio`,
      );
    }
    this.syncErrorMs = status.errorFrames === null ? null : (status.errorFrames * 1000) / this.rate;
    if (this.status === 'error') return;
    if (status.phase === 'playing') this.setStatus('playing');
    else if (status.phase === 'ended' && this.status === 'playing')
      this.endingAtFrame ??= status.contextFrame;
    else if (status.phase === 'waiting' && this.status === 'loading' && status.bufferedFrames > 0)
      this.setStatus('waiting');
  }

  private recordStart(segment: PlacedSegment, started: NonNullable<PlayerStatus['started']>): void {
    const fit = this.clockMap?.fit();
    const contextWhen = started.contextFrame / this.rate;
    const record: StartRecord = {
      trackId: segment.trackId,
      contextWhen,
      groupTimeMs: groupMsOfTrackFrame(segment, started.trackFrame, this.rate),
      offsetSec: started.trackFrame / this.rate,
      performanceMs: fit ? contextToPerformance(fit, contextWhen) : NaN,
      outputOffsetMs: this.settings.outputOffsetMs,
      sampleRate: this.rate,
    };
    this.startRecord = record;
    this.startCount++;
    this.note(`start at ${record.offsetSec.toFixed(3)} s of the track`);
  }
}
