/**
 * The renderer's audio engine: turns the shared playback state into sound at the right instant.
 *
 * Time path of a start: group time → (group clock) performance time → minus the device's
 * `outputOffsetMs` → (clock map, built from getOutputTimestamp so it already holds the output
 * latency) AudioContext time → `AudioBufferSourceNode.start(when, offset)`. An anchor in the
 * past joins mid-track at the matching offset.
 *
 * Graph: source → fade (per voice, for click-free starts, stops and crossfades) → input
 * (forced to 2 channels with speaker up/down-mixing, so mono and 5.1 files become L/R) →
 * splitter → 2×2 gain matrix → merger → volume → destination. The matrix sets the channel:
 *   stereo: L→L, R→R;  left: the track's left channel on every output;
 *   right: the track's right channel on every output;  mono: (L+R)/2 on every output.
 * "left" thus means "this device is the left speaker of a stereo pair"; a device with two
 * speakers plays that channel on both.
 *
 * Drift: the source runs on the audio device's clock, the anchor on group time. Every
 * `driftCheckMs` the engine compares where the source is (from what it scheduled) with where
 * the group says it should be, at the same output instant. A line fitted through the last
 * `fitWindowSec` of those readings (taken as if the rate had never changed) gives the device's
 * drift and the current error; `playbackRate` cancels the drift and closes the error, by at most
 * `maxRatePpm` (inaudible). It re-anchors with a crossfade instead once per start when steady
 * readings say it landed off (`settleMs`), when steady readings say it moved by a few ms mid-track
 * (`steadyReanchorMs`, at most once per `steadyCooldownSec`, on an output older than
 * `steadyAfterOutputSec`), and at any time when the output jumped (`reanchorMs`).
 */
import type { Channel } from '../../shared/bridge/contract';
import {
  ClockMap,
  contextToPerformance,
  performanceToContext,
  type ClockMapFit,
  type ClockMapInit,
} from './clock-map';
import type { GroupTimeReading, GroupTimeSource } from './group-clock';
import { LruCache } from './lru-cache';
import {
  changeRate,
  contextTimeOfPosition,
  defaultDriftPolicy,
  estimateDrift,
  judgeOutputStep,
  median,
  expectedPosition,
  sameTimeline,
  sourcePosition,
  steadyOffset,
  steerRate,
  stepToWatch,
  type DriftPolicy,
  type DriftSample,
  type OutputStep,
  type PlaybackSchedule,
  type SourceSegment,
} from './timeline';
import { silentWav } from './silent-wav';

/** Chromium's `AudioContext.playbackStats` (not in the DOM typings yet). */
interface PlaybackStats {
  underrunEvents: number;
  underrunDuration: number;
}

/** Per-device output settings. */
export interface OutputSettings {
  /** 0..1. */
  volume: number;
  /** Extra latency of this device's speakers (ms) that the engine starts early to hide. */
  outputOffsetMs: number;
  channel: Channel;
}

/** Where the engine is. */
export type EngineStatus = 'idle' | 'loading' | 'waiting' | 'playing' | 'paused' | 'ended' | 'error';

/** Fast-changing engine values for `useSyncExternalStore`; a new object only when something changed. */
export interface AudioEngineSnapshot {
  status: EngineStatus;
  trackId: string | null;
  /** Track position (s) the room is at, per group time (the pause position when paused). */
  positionSec: number;
  durationSec: number | null;
  /** Last measured gap between this device and the group timeline (ms; + = ahead). */
  syncErrorMs: number | null;
  /** Bound on how wrong that measurement can be (ms): clock error of both hops plus map noise. */
  syncBoundMs: number | null;
  playbackRate: number;
  contextState: AudioContextState | 'none';
  error: string | null;
}

/** What the engine scheduled last (the test hook shows it). */
export interface StartRecord {
  trackId: string;
  /** Context time (s) given to `start()`. */
  contextWhen: number;
  /** Group time (ms) at which `offsetSec` is meant to be heard. */
  groupTimeMs: number;
  offsetSec: number;
  /** Performance time (ms) at which `contextWhen` was expected to leave the output. */
  performanceMs: number;
  outputOffsetMs: number;
  sampleRate: number;
}

/** A failure to fetch or decode a track. */
export class TrackLoadError extends Error {
  override name = 'TrackLoadError';
  constructor(
    readonly trackId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The narrow parts the engine is built from. */
export interface AudioEngineComponents {
  groupClock: GroupTimeSource;
  /**
   * Makes the AudioContext; `new AudioContext({ latencyHint: 'playback' })` by default. A music
   * player has no use for the shortest output buffer: starts are scheduled ahead on group time, so
   * the longer buffer costs no command-to-sound time (measured unchanged, 142–154 ms), and it rides
   * out the CPU bursts of fetching and decoding a track that made the short one underrun and jump.
   */
  createContext?: () => AudioContext;
  /** Fetches a track's bytes; `fetch(url)` by default. */
  fetchBytes?: (url: string, signal: AbortSignal) => Promise<ArrayBuffer>;
}

/** Options; each has a default. */
export interface AudioEngineInit {
  /** URL of a track's bytes. Default `/media/track/<id>`. */
  trackUrl?: (trackId: string) => string;
  /** Budget for decoded buffers (bytes of Float32 samples). */
  cacheBytes?: number;
  /** Length of fades (ms). */
  rampMs?: number;
  /** Shortest time from now to a start, so `start(when)` is never in the past (ms). */
  startLeadMs?: number;
  driftCheckMs?: number;
  /** Longest wait (ms) after a decode for the output to be steady before a track is reported ready. */
  settleAfterLoadMs?: number;
  drift?: Partial<DriftPolicy>;
  /** How often `onSyncReport` is called while playing (ms). */
  reportIntervalMs?: number;
  /** Called with the measured sync error and its bound; wire to `bridge.playback.report`. */
  onSyncReport?: (errorMs: number, boundMs: number) => void;
  clockMap?: ClockMapInit;
  initialSettings?: Partial<OutputSettings>;
}

/** One of the engine's starts or corrections, for diagnostics. */
export interface EngineEvent {
  /** Performance time (ms). */
  atMs: number;
  what: string;
}

interface Voice {
  schedule: PlaybackSchedule;
  buffer: AudioBuffer;
  source: AudioBufferSourceNode;
  fade: GainNode;
  segment: SourceSegment;
  /** The segment it started with: open-loop readings are measured against it. */
  origin: SourceSegment;
  /** Open-loop drift readings of the last `DriftPolicy.fitWindowSec`. */
  history: DriftSample[];
  startGroupMs: number;
  fadeIn: boolean;
  stopping: boolean;
  /** Whether this start's one settling check (`DriftPolicy.settleReadings`) is behind it. */
  settled: boolean;
}

const TICK_MS = 200;
/** Level of the inaudible sample that keeps the device stream running (2^-24), and how often it plays. */
const KEEP_ALIVE_LEVEL = 2 ** -24;
const KEEP_ALIVE_EVERY_MS = 10_000;

/** Plays the room's timeline on this device. */
export class AudioEngine {
  private readonly groupClock: GroupTimeSource;
  private readonly createContext: () => AudioContext;
  private readonly fetchBytes: (url: string, signal: AbortSignal) => Promise<ArrayBuffer>;
  private readonly trackUrl: (trackId: string) => string;
  private readonly rampSec: number;
  private readonly startLeadMs: number;
  private readonly driftCheckMs: number;
  private readonly settleAfterLoadMs: number;
  private readonly policy: DriftPolicy;
  private readonly reportIntervalMs: number;
  private readonly onSyncReport: ((errorMs: number, boundMs: number) => void) | undefined;
  private readonly clockMapInit: ClockMapInit;
  private readonly cache: LruCache<string, AudioBuffer>;
  private readonly loading = new Map<string, Promise<AudioBuffer>>();
  private readonly listeners = new Set<() => void>();

  private settings: OutputSettings;
  private context: AudioContext | null = null;
  private clockMap: ClockMap | null = null;
  private graph: { input: GainNode; matrix: GainNode[]; volume: GainNode } | null = null;
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private keepAliveTimer: ReturnType<typeof setInterval> | null = null;
  private target: PlaybackSchedule | null = null;
  private generation = 0;
  private voice: Voice | null = null;
  private status: EngineStatus = 'idle';
  private error: string | null = null;
  private syncErrorMs: number | null = null;
  private syncBoundMs: number | null = null;
  /** The slot of group time (`driftCheckMs` long) of the last drift check. */
  private lastDriftSlot: number | null = null;
  private lastSteadyReanchorMs = -Infinity;
  /** Recent sync-error readings of the current voice (ms); decisions use their median. */
  private driftReadings: number[] = [];
  /** After a confirmed jump of the output clock: readings of the voice taken every tick, until judged. */
  private stepWatch: { voice: Voice; fromMs: number; untilMs: number; readings: number[] } | null = null;
  /** The output clock map's confirmed steps of the last `stepSumSec`. */
  private outputSteps: OutputStep[] = [];
  private readonly eventLog: EngineEvent[] = [];
  private lastNotedPpm = 0;
  /** Underruns the browser had counted at the last tick (`AudioContext.playbackStats`, where it exists). */
  private underrunsSeen: { events: number; durationSec: number } | null = null;
  private lastReportMs = 0;
  private startRecord: StartRecord | null = null;
  private startCount = 0;
  private correctionCount = 0;
  private snapshot: AudioEngineSnapshot;

  constructor(components: AudioEngineComponents, init: AudioEngineInit = {}) {
    this.groupClock = components.groupClock;
    this.createContext = components.createContext ?? (() => new AudioContext({ latencyHint: 'playback' }));
    this.fetchBytes = components.fetchBytes ?? defaultFetchBytes;
    this.trackUrl = init.trackUrl ?? ((id) => `/media/track/${encodeURIComponent(id)}`);
    this.cache = new LruCache(
      init.cacheBytes ?? 512 * 1024 * 1024,
      (b: AudioBuffer) => b.length * b.numberOfChannels * 4,
    );
    this.rampSec = (init.rampMs ?? 15) / 1000;
    this.startLeadMs = init.startLeadMs ?? 60;
    this.driftCheckMs = init.driftCheckMs ?? 500;
    this.settleAfterLoadMs = init.settleAfterLoadMs ?? 1000;
    this.policy = { ...defaultDriftPolicy, ...init.drift };
    this.reportIntervalMs = init.reportIntervalMs ?? 1000;
    this.onSyncReport = init.onSyncReport;
    this.clockMapInit = init.clockMap ?? {};
    this.settings = { volume: 1, outputOffsetMs: 0, channel: 'stereo', ...init.initialSettings };
    this.snapshot = this.buildSnapshot();
  }

  /** Creates the AudioContext and its graph and starts the clock map; idempotent. */
  async start(): Promise<void> {
    if (this.controller) return;
    this.controller = new AbortController();
    const ctx = this.createContext();
    this.context = ctx;
    const input = new GainNode(ctx, {
      channelCount: 2,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
    });
    const splitter = new ChannelSplitterNode(ctx, { numberOfOutputs: 2 });
    const merger = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
    const volume = new GainNode(ctx, { gain: this.settings.volume });
    input.connect(splitter);
    const matrix: GainNode[] = [];
    const gains = channelMatrix(this.settings.channel);
    for (let from = 0; from < 2; from++) {
      for (let to = 0; to < 2; to++) {
        const g = new GainNode(ctx, { gain: gains[from * 2 + to]! });
        splitter.connect(g, from);
        g.connect(merger, 0, to);
        matrix.push(g);
      }
    }
    merger.connect(volume).connect(ctx.destination);
    // Keeps the real output running while nothing plays. After 30 s of all-zero output Chromium swaps
    // in a timer-driven fake sink (its SilentSinkSuspender) and pauses the device stream; the next play
    // then restarts the stream, and for seconds its output timestamps jump and drift by milliseconds
    // (measured here: starts 6-39 ms apart after a minute of silence). One sample of 2^-24, below the
    // least significant bit of 24-bit audio, every 10 s is not all-zero for 30 s and is inaudible. (A
    // constant level of 2^-24 did the same, but resumes after a short pause then often landed 7-26 ms off.)
    const blip = new AudioBuffer({ length: 1, numberOfChannels: 1, sampleRate: ctx.sampleRate });
    blip.getChannelData(0)[0] = KEEP_ALIVE_LEVEL;
    this.keepAliveTimer = setInterval(() => {
      if (ctx.state !== 'running') return;
      const source = new AudioBufferSourceNode(ctx, { buffer: blip });
      source.connect(ctx.destination);
      source.start();
    }, KEEP_ALIVE_EVERY_MS);
    this.graph = { input, matrix, volume };
    this.clockMap = new ClockMap(ctx, this.clockMapInit);
    this.clockMap.start();
    this.clockMap.onStep((stepMs) => this.onOutputStep(stepMs));
    ctx.addEventListener('statechange', this.emit);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    // The page's first decode sets up the browser's decoder, and that stalled the output here: measured with
    // bench/sync-readings.ts, a first play after 30 s of running output moved one or both pages' output by
    // 3-16 ms (or their readings by up to 13 ms while the sound stayed put), in 5 runs of 5, where a play that
    // followed one decode of a short WAV 8 s earlier landed 0.04-0.14 ms apart (3 runs of 3). So decode a
    // few milliseconds of silence now, long before anything plays.
    void ctx.decodeAudioData(silentWav(ctx.sampleRate, 480)).catch(() => undefined);
    // A state pushed before start() is played now.
    if (this.target && !this.target.paused) void this.startWhenReady(this.target, ++this.generation);
    await this.resume();
  }

  /** Resumes the AudioContext (a browser tab may need a user gesture for this). */
  async resume(): Promise<void> {
    if (this.context && this.context.state === 'suspended') await this.context.resume();
    this.emit();
  }

  /** Stops everything and closes the AudioContext. */
  async stop(): Promise<void> {
    this.controller?.abort();
    this.controller = null;
    if (this.timer) clearInterval(this.timer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.timer = null;
    this.underrunsSeen = null;
    this.clockMap?.stop();
    this.clockMap = null;
    this.voice = null;
    this.target = null;
    this.generation++;
    const ctx = this.context;
    this.context = null;
    this.graph = null;
    if (ctx) {
      ctx.removeEventListener('statechange', this.emit);
      await ctx.close();
    }
    this.setStatus('idle');
  }

  /**
   * Fetches and decodes a track ahead of time (e.g. the next one in the queue). After a decode it
   * also waits (at most `settleAfterLoadMs`) for the output to be steady again: measured here, a fetch
   * and decode on a busy machine can move the output by 5–30 ms, and a start scheduled before the
   * clock map has caught up lands that far off. The host reports the track ready after this.
   */
  async preload(trackId: string): Promise<void> {
    const cached = this.cache.get(trackId) !== undefined;
    await this.load(trackId);
    if (!cached && this.clockMap?.isReady) await this.clockMap.steady(1000, 0.3, this.settleAfterLoadMs);
  }

  /**
   * Follows the playback state: plays `state.trackId` so that `anchor.positionSec` is heard at
   * `anchor.groupTimeMs`, joins late, pauses at the anchor, or stops (null). Repeating the same
   * timeline is a no-op, so the state can be pushed as often as it arrives.
   */
  schedule(state: PlaybackSchedule | null): void {
    const previous = this.target;
    this.target = state;
    const voice = this.voice;
    if (
      state &&
      previous &&
      !state.paused &&
      !previous.paused &&
      state.trackId === previous.trackId &&
      sameTimeline(state.anchor, previous.anchor) &&
      this.status !== 'error'
    ) {
      if (voice) voice.schedule = state;
      return;
    }
    const generation = ++this.generation;
    if (voice) {
      // Pauses and switches take effect at the anchor's group time on every device alike.
      const at = state ? this.contextTimeOfGroup(state.anchor.groupTimeMs) : null;
      this.fadeOut(voice, at);
      this.voice = null;
    }
    this.syncErrorMs = null;
    this.syncBoundMs = null;
    if (!state) return this.setStatus('idle');
    if (state.paused) return this.setStatus('paused');
    // Before start() the state is only kept; start() plays it.
    if (this.controller) void this.startWhenReady(state, generation);
  }

  /** Changes volume, channel or output offset, with ramps (an offset change re-anchors). */
  setSettings(patch: Partial<OutputSettings>): void {
    const old = this.settings;
    this.settings = { ...old, ...patch };
    const ctx = this.context;
    const graph = this.graph;
    if (!ctx || !graph) return;
    const now = ctx.currentTime;
    if (patch.volume !== undefined && patch.volume !== old.volume)
      ramp(graph.volume.gain, this.settings.volume, now, this.rampSec);
    if (patch.channel !== undefined && patch.channel !== old.channel) {
      const gains = channelMatrix(this.settings.channel);
      graph.matrix.forEach((g, i) => ramp(g.gain, gains[i]!, now, this.rampSec));
    }
    if (
      patch.outputOffsetMs !== undefined &&
      Math.abs(patch.outputOffsetMs - old.outputOffsetMs) > this.policy.deadbandMs
    ) {
      this.reanchor(`output offset ${old.outputOffsetMs} → ${patch.outputOffsetMs} ms`);
    }
  }

  /** Current output settings. */
  getSettings(): OutputSettings {
    return { ...this.settings };
  }

  /** Subscribes to snapshot changes (for `useSyncExternalStore`). */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current snapshot (same object until something changes). */
  getSnapshot = (): AudioEngineSnapshot => this.snapshot;

  /** Track position (s) the room is at right now, for a smooth progress bar between snapshots. */
  positionNow(): number {
    const state = this.target;
    if (!state) return 0;
    if (state.paused) return state.anchor.positionSec;
    const g = this.groupClock.performanceToGroup(performance.now());
    const duration = this.voice?.buffer.duration ?? this.cache.get(state.trackId)?.duration ?? Infinity;
    const pos = g ? expectedPosition(state.anchor, g.groupMs) : state.anchor.positionSec;
    return Math.max(0, Math.min(duration, pos));
  }

  /** What the engine scheduled last, or null. */
  get lastStart(): StartRecord | null {
    return this.startRecord;
  }

  /** How many sources the engine has started (re-anchors and refinements included). */
  get starts(): number {
    return this.startCount;
  }

  /** How many of those starts were the engine's own corrections: re-anchors, and refinements before a start. */
  get corrections(): number {
    return this.correctionCount;
  }

  /** The engine's last 100 starts and corrections, with their reasons (read by the test hook and the acoustic benchmark). */
  get events(): readonly EngineEvent[] {
    return this.eventLog;
  }

  /** The AudioContext, once started. */
  get audioContext(): AudioContext | null {
    return this.context;
  }

  /** The clock map's current fit, or null. */
  outputClock(): ClockMapFit | null {
    return this.clockMap?.fit() ?? null;
  }

  /**
   * Group time (ms) at which frame `frame` of the current track's decoded buffer is heard, per
   * what the engine scheduled and the current clock maps; null when nothing plays. Exact for
   * frames at or after the last rate nudge.
   */
  groupTimeOfFrame(frame: number): number | null {
    const voice = this.voice;
    if (!voice) return null;
    return this.groupTimeOfSourcePosition(voice, frame / voice.buffer.sampleRate);
  }

  private groupTimeOfSourcePosition(voice: Voice, positionSec: number): number | null {
    const fit = this.clockMap?.fit();
    if (!fit) return null;
    const contextSec = contextTimeOfPosition(voice.segment, positionSec);
    const heard = contextToPerformance(fit, contextSec) + this.settings.outputOffsetMs;
    return this.groupClock.performanceToGroup(heard)?.groupMs ?? null;
  }

  private readonly emit = (): void => {
    const next = this.buildSnapshot();
    if (next === this.snapshot) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  };

  private buildSnapshot(): AudioEngineSnapshot {
    const next: AudioEngineSnapshot = {
      status: this.status,
      trackId: this.target?.trackId ?? null,
      positionSec: Math.round(this.positionNow() * 10) / 10,
      durationSec: this.voice?.buffer.duration ?? null,
      syncErrorMs: this.syncErrorMs === null ? null : Math.round(this.syncErrorMs * 100) / 100,
      syncBoundMs: this.syncBoundMs === null ? null : Math.round(this.syncBoundMs * 100) / 100,
      playbackRate: this.voice?.segment.rate ?? 1,
      contextState: this.context?.state ?? 'none',
      error: this.error,
    };
    const prev = this.snapshot as AudioEngineSnapshot | undefined;
    if (prev && (Object.keys(next) as (keyof AudioEngineSnapshot)[]).every((k) => prev[k] === next[k]))
      return prev;
    return next;
  }

  private setStatus(status: EngineStatus, error: string | null = null): void {
    this.status = status;
    this.error = error;
    this.emit();
  }

  private async load(trackId: string): Promise<AudioBuffer> {
    const cached = this.cache.get(trackId);
    if (cached) return cached;
    const pending = this.loading.get(trackId);
    if (pending) return pending;
    const ctx = this.context;
    const signal = this.controller?.signal;
    if (!ctx || !signal) throw new TrackLoadError(trackId, 'audio engine not started');
    const job = (async () => {
      let bytes: ArrayBuffer;
      try {
        bytes = await this.fetchBytes(this.trackUrl(trackId), signal);
      } catch (cause) {
        throw new TrackLoadError(trackId, `fetch failed: ${String(cause)}`);
      }
      try {
        const buffer = await ctx.decodeAudioData(bytes);
        this.cache.set(trackId, buffer);
        return buffer;
      } catch (cause) {
        throw new TrackLoadError(trackId, `decode failed: ${String(cause)}`);
      }
    })();
    this.loading.set(trackId, job);
    try {
      return await job;
    } finally {
      this.loading.delete(trackId);
    }
  }

  private async startWhenReady(state: PlaybackSchedule, generation: number): Promise<void> {
    const signal = this.controller?.signal;
    if (!signal || !this.clockMap) return this.setStatus('error', 'audio engine not started');
    let buffer = this.cache.get(state.trackId);
    try {
      if (!buffer) {
        this.setStatus('loading');
        buffer = await this.load(state.trackId);
        if (generation !== this.generation) return;
      }
      if (!this.clockMap.isReady) {
        this.setStatus('waiting');
        await Promise.all([this.clockMap.ready(signal), this.groupClock.ready(signal)]);
      } else {
        await this.groupClock.ready(signal);
      }
    } catch (cause) {
      if (generation !== this.generation || signal.aborted) return;
      return this.setStatus('error', cause instanceof Error ? cause.message : String(cause));
    }
    if (generation !== this.generation) return;
    const voice = this.startVoice(state, buffer, null);
    if (voice) {
      this.voice = voice;
      this.setStatus('playing');
    }
  }

  /** Context time (s) to pass to start() so group time `groupMs` is heard on time, or null. */
  private contextTimeOfGroup(groupMs: number, outputOffsetMs = this.settings.outputOffsetMs): number | null {
    const perf = this.groupClock.groupToPerformance(groupMs);
    const fit = this.clockMap?.fit();
    if (perf === null || !fit) return null;
    return performanceToContext(fit, perf - outputOffsetMs);
  }

  /** Starts a source for `state` at the earliest safe group time at or after `notBeforeGroupMs`. */
  private startVoice(
    state: PlaybackSchedule,
    buffer: AudioBuffer,
    notBeforeGroupMs: number | null,
  ): Voice | null {
    const ctx = this.context;
    const graph = this.graph;
    if (!ctx || !graph) return null;
    const nowGroup = this.groupClock.performanceToGroup(performance.now());
    if (!nowGroup) return null;
    let startGroupMs = Math.max(
      state.anchor.groupTimeMs,
      nowGroup.groupMs + this.startLeadMs,
      notBeforeGroupMs ?? -Infinity,
    );
    let when = this.contextTimeOfGroup(startGroupMs);
    for (let tries = 0; when !== null && when < ctx.currentTime + 0.02 && tries < 5; tries++) {
      // The map says "now" is later than the performance clock suggests: push the start out.
      startGroupMs += (ctx.currentTime + 0.02 - when) * 1000 + this.startLeadMs;
      when = this.contextTimeOfGroup(startGroupMs);
    }
    if (when === null || when < ctx.currentTime) {
      this.setStatus('waiting');
      return null;
    }
    const offsetSec = expectedPosition(state.anchor, startGroupMs);
    if (offsetSec >= buffer.duration) {
      this.setStatus('ended');
      return null;
    }
    const voice = this.makeVoice(state, buffer, when, offsetSec, startGroupMs, offsetSec > 0);
    return voice;
  }

  private makeVoice(
    state: PlaybackSchedule,
    buffer: AudioBuffer,
    when: number,
    offsetSec: number,
    startGroupMs: number,
    fadeIn: boolean,
  ): Voice {
    const ctx = this.context!;
    const graph = this.graph!;
    const source = new AudioBufferSourceNode(ctx, { buffer });
    const fade = new GainNode(ctx, { gain: fadeIn ? 0 : 1 });
    source.connect(fade).connect(graph.input);
    if (fadeIn) {
      fade.gain.setValueAtTime(0, when);
      fade.gain.linearRampToValueAtTime(1, when + this.rampSec);
    }
    source.start(when, offsetSec);
    source.addEventListener('ended', () => {
      source.disconnect();
      fade.disconnect();
      if (this.voice?.source === source) {
        this.voice = null;
        this.setStatus('ended');
      }
    });
    const fit = this.clockMap?.fit();
    this.driftReadings = [];
    this.startCount++;
    this.lastNotedPpm = 0;
    this.note(`start at ${offsetSec.toFixed(3)} s of the track`);
    this.startRecord = {
      trackId: state.trackId,
      contextWhen: when,
      groupTimeMs: startGroupMs,
      offsetSec,
      performanceMs: fit ? contextToPerformance(fit, when) : NaN,
      outputOffsetMs: this.settings.outputOffsetMs,
      sampleRate: buffer.sampleRate,
    };
    return {
      schedule: state,
      buffer,
      source,
      fade,
      segment: { contextSec: when, positionSec: offsetSec, rate: 1 },
      origin: { contextSec: when, positionSec: offsetSec, rate: 1 },
      history: [],
      startGroupMs,
      fadeIn,
      stopping: false,
      settled: false,
    };
  }

  /** Fades a voice out from context time `at` (now when null or past) and stops it. */
  private fadeOut(voice: Voice, at: number | null): void {
    const ctx = this.context;
    if (!ctx || voice.stopping) return;
    voice.stopping = true;
    const now = ctx.currentTime;
    const from = Math.max(at ?? now, now);
    if (from <= voice.segment.contextSec && now < voice.segment.contextSec) {
      // Not heard yet: drop it silently.
      voice.source.stop();
      return;
    }
    voice.fade.gain.cancelAndHoldAtTime(from);
    voice.fade.gain.linearRampToValueAtTime(0, from + this.rampSec);
    voice.source.stop(from + this.rampSec + 0.005);
  }

  /** Replaces a voice not heard yet by one starting at context time `when` instead, silently. */
  private replacePending(voice: Voice, when: number): void {
    this.note(`pending start moved ${((when - voice.segment.contextSec) * 1000).toFixed(3)} ms`);
    voice.stopping = true;
    voice.source.stop();
    this.correctionCount++;
    this.voice = this.makeVoice(
      voice.schedule,
      voice.buffer,
      when,
      voice.segment.positionSec,
      voice.startGroupMs,
      voice.fadeIn,
    );
    this.voice.settled = voice.settled;
  }

  /** Replaces the current voice by a fresh one on the same timeline, crossfading; `reason` goes to the event log. */
  private reanchor(reason: string): void {
    const voice = this.voice;
    const ctx = this.context;
    if (!voice || !ctx || voice.stopping) return;
    this.note(`re-anchor: ${reason}`);
    const pending = ctx.currentTime < voice.segment.contextSec - 0.01;
    if (pending) {
      // Nothing heard yet: replace it silently at its own start time.
      const when = this.contextTimeOfGroup(voice.startGroupMs);
      if (when === null || when < ctx.currentTime + 0.01) return;
      this.replacePending(voice, when);
      return;
    }
    // Mid-track the new voice fades in (offset > 0) while the old one fades out: a crossfade. It starts
    // on the next mark of group time (every `driftCheckMs`), so devices that re-anchor on the same jump
    // in the same slot cross over at the same instant, not a fraction of a second apart.
    const nowGroup = this.groupClock.performanceToGroup(performance.now());
    const mark = nowGroup
      ? Math.ceil((nowGroup.groupMs + this.startLeadMs) / this.driftCheckMs) * this.driftCheckMs
      : null;
    const next = this.startVoice(voice.schedule, voice.buffer, mark);
    if (!next) return;
    this.correctionCount++;
    this.fadeOut(voice, next.segment.contextSec);
    // A re-anchored voice was placed on readings already: no second settling check.
    next.settled = true;
    this.voice = next;
  }

  private tick(): void {
    const now = performance.now();
    this.noteUnderruns();
    if (this.stepWatch) this.checkStep(now);
    // Checks fall in slots of group time, so every device measures at the same moments: a jump of the
    // output that all of them heard together is then confirmed, and re-anchored, by all in the same slot.
    const groupMs = this.groupClock.performanceToGroup(now)?.groupMs ?? now;
    const slot = Math.floor(groupMs / this.driftCheckMs);
    if (slot !== this.lastDriftSlot) {
      this.lastDriftSlot = slot;
      this.checkDrift();
    }
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
   * Where a playing voice is and where the group says it should be, at the output instant 20 ms
   * from `now` (context s); null once it has played out or while the group clock is not ready.
   */
  private measureVoice(
    voice: Voice,
    fit: ClockMapFit,
    now: number,
  ): { at: number; actual: number; expected: number; heard: GroupTimeReading } | null {
    const at = Math.max(now, voice.segment.contextSec) + 0.02;
    const actual = sourcePosition(voice.segment, at);
    if (actual >= voice.buffer.duration) return null;
    const heard = this.groupClock.performanceToGroup(
      contextToPerformance(fit, at) + this.settings.outputOffsetMs,
    );
    if (!heard) return null;
    return { at, actual, expected: expectedPosition(voice.schedule.anchor, heard.groupMs), heard };
  }

  /**
   * The output clock map jumped (an underrun moves the output 10–200 ms at once; under load the
   * readings alone can also wander that far for a second): note it, fit the voice's drift afresh,
   * and for a jump of `stepWatchMs` or more, with the steps of the last `stepSumSec` added (one jump
   * may be confirmed in parts), watch the voice closely (`checkStep`). Re-anchoring on the
   * jump itself turned wandering readings into real 10–30 ms errors, several times a track, when
   * tried; the watch re-anchors only once readings on the far side agree, and the regular readings
   * (`reanchorMs` over `reanchorReadings`) remain the slower path.
   */
  private onOutputStep(stepMs: number): void {
    this.note(`output clock moved ${stepMs.toFixed(2)} ms`);
    const now = performance.now();
    this.outputSteps = [
      ...this.outputSteps.filter((s) => now - s.atMs <= this.policy.stepSumSec * 1000),
      { atMs: now, stepMs },
    ];
    const voice = this.voice;
    if (!voice) return;
    voice.history = [];
    if (stepToWatch(this.outputSteps, now, this.policy) === null) return;
    this.stepWatch = {
      voice,
      fromMs: now + this.policy.stepDelaySec * 1000,
      untilMs: now + this.policy.stepWatchSec * 1000,
      readings: [],
    };
  }

  /** One reading of the voice while a jump of the output clock is watched; re-anchors when they agree it moved. */
  private checkStep(nowMs: number): void {
    const watch = this.stepWatch;
    if (!watch || nowMs < watch.fromMs) return;
    const voice = watch.voice;
    const ctx = this.context;
    const fit = this.clockMap?.fit();
    if (nowMs > watch.untilMs || this.voice !== voice || voice.stopping || !ctx) {
      this.stepWatch = null;
      return;
    }
    if (!fit || ctx.currentTime < voice.segment.contextSec) return;
    const measured = this.measureVoice(voice, fit, ctx.currentTime);
    if (!measured) return;
    watch.readings.push((measured.actual - measured.expected) * 1000);
    const verdict = judgeOutputStep(watch.readings, this.policy);
    if (verdict === 'wait') return;
    this.stepWatch = null;
    if (verdict === 'reanchor') {
      const recent = watch.readings.slice(-this.policy.stepReadings);
      this.reanchor(`output moved, ${median(recent).toFixed(2)} ms off (${recent.length} readings agree)`);
    }
  }

  /** Measures the voice against the group timeline and corrects it. */
  private checkDrift(): void {
    const voice = this.voice;
    const ctx = this.context;
    const fit = this.clockMap?.fit();
    if (!voice || !ctx || !fit || voice.stopping) return;
    const now = ctx.currentTime;
    if (now < voice.segment.contextSec - 0.05) {
      // Not started yet: if the clocks moved since it was scheduled, reschedule it silently.
      const when = this.contextTimeOfGroup(voice.startGroupMs);
      if (when !== null && when > now + 0.03 && Math.abs(when - voice.segment.contextSec) > 2e-5) {
        this.replacePending(voice, when);
      }
      return;
    }
    const measured = this.measureVoice(voice, fit, now);
    if (!measured) return;
    const { at, actual, expected, heard } = measured;
    const reading = (actual - expected) * 1000;
    this.driftReadings.push(reading);
    if (this.driftReadings.length > this.policy.windowReadings) this.driftReadings.shift();
    voice.history.push({ atSec: at, openLoopMs: (sourcePosition(voice.origin, at) - expected) * 1000 });
    while (voice.history.length > 0 && voice.history[0]!.atSec < at - this.policy.fitWindowSec)
      voice.history.shift();
    const recentMs = median(this.driftReadings);
    const correctionMs = (actual - sourcePosition(voice.origin, at)) * 1000;
    let estimate = estimateDrift(voice.history, at, this.policy);
    if (
      estimate &&
      estimate.samples >= this.policy.windowReadings &&
      this.driftReadings.length >= this.policy.windowReadings &&
      Math.abs(estimate.openLoopMs + correctionMs - recentMs) > this.policy.settleMs
    ) {
      // The recent readings left the line (the output moved by a few ms, too little for a re-anchor):
      // the line's older readings describe an output that is gone, so fit the recent ones alone.
      voice.history = voice.history.slice(-this.policy.windowReadings);
      estimate = estimateDrift(voice.history, at, this.policy);
    }
    // Report the fitted error once there are enough readings to fit; until then the recent median.
    const errorMs =
      estimate && estimate.samples >= this.policy.windowReadings
        ? estimate.openLoopMs + correctionMs
        : recentMs;
    this.syncErrorMs = errorMs;
    this.syncBoundMs = heard.errorMs + fit.spreadMs;
    if (!voice.settled && this.driftReadings.length >= this.policy.settleReadings) {
      voice.settled = true;
      const landed = steadyOffset(this.driftReadings, this.policy, this.policy.settleMs);
      if (landed !== null) {
        // The start landed off and steady readings confirm it: fix it now rather than slew for seconds.
        this.reanchor(`start landed ${landed.toFixed(2)} ms off`);
        return;
      }
    }
    const steady = steadyOffset(this.driftReadings, this.policy);
    const nowMs = performance.now();
    if (
      steady !== null &&
      Math.abs(steady) <= this.policy.reanchorMs &&
      now >= this.policy.steadyAfterOutputSec &&
      nowMs - this.lastSteadyReanchorMs >= this.policy.steadyCooldownSec * 1000
    ) {
      // Off by a few ms for seconds (the output moved by less than a step): a crossfade beats slewing for 10 s.
      this.lastSteadyReanchorMs = nowMs;
      this.reanchor(`steadily ${steady.toFixed(2)} ms off`);
      return;
    }
    if (
      this.driftReadings.length >= this.policy.reanchorReadings &&
      Math.abs(recentMs) > this.policy.reanchorMs
    ) {
      // Far off (the output moved since this voice was scheduled): a crossfade now beats seconds of slewing.
      this.reanchor(`${recentMs.toFixed(2)} ms off`);
      return;
    }
    if (!estimate || estimate.samples < this.policy.windowReadings) return;
    const action = steerRate(estimate, correctionMs, this.policy);
    if (action.kind === 'reanchor') {
      this.reanchor(`fitted error ${errorMs.toFixed(2)} ms`);
      return;
    }
    // Steered continuously, in steps of a ppm or more: far below audibility, and no limit cycle at a deadband's edge.
    if (Math.abs(action.rate - voice.segment.rate) < 1e-6) return;
    const applyAt = now + 0.02;
    voice.source.playbackRate.setValueAtTime(action.rate, applyAt);
    voice.segment = changeRate(voice.segment, applyAt, action.rate);
    const ppm = Math.round((action.rate - 1) * 1e6);
    if (Math.abs(ppm - this.lastNotedPpm) >= 50) {
      this.lastNotedPpm = ppm;
      this.note(
        `rate ${ppm > 0 ? '+' : ''}${ppm} ppm (error ${errorMs.toFixed(2)} ms, drift ${Math.round(estimate.slopeMsPerSec * 1000)} ppm)`,
      );
    }
  }

  /**
   * Notes glitches the browser counted since the last tick: frames its audio render thread did not
   * deliver in time (Chromium's `playbackStats`; other browsers lack it). Such a stall may also move the
   * output (measured: 21-28 ms after a 200 ms freeze), which then shows as an output clock step; a stall
   * further down (the audio service, the sound server) shows only as that step, so the note tells where a
   * jump came from.
   */
  private noteUnderruns(): void {
    const stats = (this.context as (AudioContext & { playbackStats?: PlaybackStats }) | null)?.playbackStats;
    if (!stats || !Number.isFinite(stats.underrunEvents)) return;
    const seen = this.underrunsSeen;
    this.underrunsSeen = { events: stats.underrunEvents, durationSec: stats.underrunDuration };
    if (seen && stats.underrunEvents > seen.events) {
      this.note(
        `render underrun: ${stats.underrunEvents - seen.events} glitches, ${((stats.underrunDuration - seen.durationSec) * 1000).toFixed(1)} ms`,
      );
    }
  }

  private note(what: string): void {
    this.eventLog.push({ atMs: performance.now(), what });
    if (this.eventLog.length > 100) this.eventLog.shift();
  }
}

/** Gains L→L, L→R, R→L, R→R for a channel setting. */
export function channelMatrix(channel: Channel): [number, number, number, number] {
  switch (channel) {
    case 'stereo':
      return [1, 0, 0, 1];
    case 'left':
      return [1, 1, 0, 0];
    case 'right':
      return [0, 0, 1, 1];
    case 'mono':
      return [0.5, 0.5, 0.5, 0.5];
  }
}

function ramp(param: AudioParam, value: number, now: number, rampSec: number): void {
  param.cancelAndHoldAtTime(now);
  param.linearRampToValueAtTime(value, now + rampSec);
}

async function defaultFetchBytes(url: string, signal: AbortSignal): Promise<ArrayBuffer> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}
