/**
 * The engine's output stage on the page's one long-lived AudioContext: the player worklet node, the
 * output graph after it (channel, volume), and the output clock map that says when a
 * context frame leaves the speakers. It turns that map and the group clock into the clock line the
 * player steers by (`clock-line.ts`), and says when a rendered frame has been heard.
 */
import { ClockMap, contextToPerformance, type ClockMapFit, type ClockMapInit } from './clock-map';
import { clockLineAt } from './clock-line';
import type { OutputSettings } from './engine-state';
import type { GroupTimeSource } from './group-clock';
import { connectOutput, type OutputGraph } from './output-graph';
import type { EngineToPlayer, PlayerStatus } from './player/protocol';

/** What a start needs beyond the output's latency: posting the segment and its first PCM to the player (ms). */
const START_SLACK_MS = 10;

/** What the output stage is opened with. */
export interface OutputStageInit {
  createContext?: () => AudioContext;
  playerWorkletUrl: string;
  settings: OutputSettings;
  rampSec: number;
  clockMap: ClockMapInit;
  onPlayerStatus: (status: PlayerStatus) => void;
  onClockStep: (stepMs: number) => void;
  onContextState: () => void;
}

/** The context, the player node, the graph and the clock map; see the file comment. */
export class OutputStage {
  private constructor(
    readonly context: AudioContext,
    private readonly node: AudioWorkletNode,
    readonly graph: OutputGraph,
    private readonly clockMap: ClockMap,
    private readonly onContextState: () => void,
  ) {}

  /** How many times the output is known to have moved: confirmed steps of its clock map, changes of the offset. */
  private moves = 0;
  /** The output offset of the last clock line (ms). */
  private offsetMs: number | null = null;

  /** Creates the context, loads the player worklet, connects the graph and starts the clock map. */
  static async open(init: OutputStageInit): Promise<OutputStage> {
    const ctx = (init.createContext ?? (() => new AudioContext({ latencyHint: 'playback' })))();
    await ctx.audioWorklet.addModule(init.playerWorkletUrl);
    const node = new AudioWorkletNode(ctx, 'firefly-player', {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [2],
    });
    const graph = connectOutput(ctx, node, { ...init.settings, rampSec: init.rampSec });
    node.port.onmessage = (event: MessageEvent<PlayerStatus>) => init.onPlayerStatus(event.data);
    const clockMap = new ClockMap(ctx, init.clockMap);
    clockMap.start();
    ctx.addEventListener('statechange', init.onContextState);
    const stage = new OutputStage(ctx, node, graph, clockMap, init.onContextState);
    clockMap.on('clock:stepped', (ms) => {
      stage.moves++;
      init.onClockStep(ms);
    });
    return stage;
  }

  get rate(): number {
    return this.context.sampleRate;
  }

  /** The output clock map's current fit, or null before it has one. */
  fit(): ClockMapFit | null {
    return this.clockMap.fit();
  }

  toPlayer(message: EngineToPlayer, transfer: Transferable[] = []): void {
    this.node.port.postMessage(message, transfer);
  }

  /**
   * Sends the player the group time of its output frames, this device's output offset added; returns the
   * bound on that line's error (ms), or null if there is no line yet (no clock map fit or group time).
   */
  pushClockLine(outputOffsetMs: number, groupClock: GroupTimeSource): number | null {
    const fit = this.clockMap.fit();
    if (!fit) return null;
    const reading = clockLineAt(this.context.currentTime, fit, outputOffsetMs, groupClock, this.rate);
    if (!reading) return null;
    if (this.offsetMs !== null && outputOffsetMs !== this.offsetMs) this.moves++;
    this.offsetMs = outputOffsetMs;
    this.toPlayer({ type: 'clock', line: { ...reading.line, moves: this.moves } });
    return reading.boundMs;
  }

  /**
   * How long (ms) after now a frame scheduled now is heard at the earliest: the output clock map's latency
   * (the graph has rendered up to `currentTime`), the output offset, and `START_SLACK_MS` for handing the
   * player its segment; null before the map has a fit. What this speaker needs before a start (the room's
   * lead time, shared/playback/barrier.ts).
   */
  startNeedMs(outputOffsetMs: number): number | null {
    const fit = this.clockMap.fit();
    if (!fit) return null;
    const heardMs = contextToPerformance(fit, this.context.currentTime) + outputOffsetMs;
    return Math.max(0, heardMs - performance.now() + START_SLACK_MS);
  }

  /** Whether context frame `frame` has left the speakers (per the output clock map). */
  heard(frame: number): boolean {
    const fit = this.clockMap.fit();
    return !!fit && performance.now() >= contextToPerformance(fit, frame / this.rate);
  }

  /** Stops the clock map, disconnects the graph and closes the context. */
  async close(): Promise<void> {
    this.clockMap.stop();
    this.graph.disconnect();
    this.node.port.onmessage = null;
    this.context.removeEventListener('statechange', this.onContextState);
    await this.context.close();
  }
}
