/**
 * The player's AudioWorkletProcessor: the one source of the page's sound. It renders every block
 * with `PlayerCore` from the PCM the decoder worker sends it, reports its play head to the decoder
 * (which keeps a bounded window ahead of it) and its status to the engine, every few blocks.
 * Loaded with `audioWorklet.addModule()`; registers as `firefly-player`.
 */
import { PlayerMix } from './player-mix';
import type { DecoderToPlayer, EngineToPlayer, PlayerPhase, PlayheadReport } from './protocol';

/** The worklet scope's globals (not in the DOM typings). */
interface WorkletScope {
  sampleRate: number;
  currentFrame: number;
  AudioWorkletProcessor: new () => { readonly port: MessagePort };
  registerProcessor(name: string, processor: unknown): void;
}

const scope = globalThis as unknown as WorkletScope;
/** Blocks (128 frames) between reports: about 21 ms at 48 kHz. */
const REPORT_EVERY_BLOCKS = 8;
/** How far (frames) `currentFrame` may lag the worklet's own count and still be taken as stale: two bursts. */
const STALE_MAX_FRAMES = 2048;

class PlayerProcessor extends scope.AudioWorkletProcessor {
  private readonly mix = new PlayerMix({ sampleRate: scope.sampleRate });
  private decoder: MessagePort | null = null;
  private blocks = 0;
  private lastPhase: PlayerPhase = 'idle';
  private lastGeneration = -1;
  private spare = new Float32Array(128);
  /** Where the next block should start, by the last one (null before the first). */
  private expectedFrame: number | null = null;
  private readonly renderClock = { gaps: 0, lastGapFrames: 0, stale: 0 };

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<EngineToPlayer>) => this.onEngine(event.data);
  }

  private onEngine(message: EngineToPlayer): void {
    switch (message.type) {
      case 'clock':
        this.mix.setClock(message.line);
        break;
      case 'play':
        this.mix.play(message.segment);
        this.report(this.expectedFrame ?? scope.currentFrame);
        break;
      case 'queue':
        this.mix.queueNext(message.segment, message.overlapFrames);
        this.report(this.expectedFrame ?? scope.currentFrame);
        break;
      case 'gain':
        this.mix.setGain(message.generation, message.gain);
        break;
      case 'drop-next':
        this.mix.dropNext();
        break;
      case 'stop':
        this.mix.stop(message.atGroupMs);
        break;
      case 'pcm':
        this.mix.push(message);
        break;
      case 'end':
        this.mix.end(message.generation, message.totalFrames);
        break;
      case 'decoder-port':
        this.decoder = message.port;
        this.decoder.onmessage = (event: MessageEvent<DecoderToPlayer>) => {
          const data = event.data;
          if (data.type === 'pcm') this.mix.push(data);
          else this.mix.end(data.generation, data.totalFrames);
        };
        break;
    }
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const channels = outputs[0];
    const left = channels?.[0];
    if (!channels || !left) return true;
    if (this.spare.length !== left.length) this.spare = new Float32Array(left.length);
    const right = channels[1] ?? this.spare;
    const reported = scope.currentFrame;
    let frame = reported;
    // The frame math takes the output frame each block starts at from `currentFrame`. Chromium gives the
    // worklet the value last observable on the control thread (WebAudio issue 2608), which now and then
    // stands still for a burst of blocks and then catches up: seen as 8 blocks at one value, then a jump of
    // 1152 frames, exactly the worklet's own count, with the sound unmoved. Read as it is, each such run
    // made two re-positions of 5.33 ms that undid each other. So a value that lags the count by up to two
    // bursts is taken as stale and the count goes on; one ahead of it, or further behind, is the output
    // moving, counted so that a re-position it causes can be told from one the output caused.
    if (this.expectedFrame !== null && reported !== this.expectedFrame) {
      const lag = this.expectedFrame - reported;
      if (lag > 0 && lag <= STALE_MAX_FRAMES) {
        frame = this.expectedFrame;
        this.renderClock.stale++;
      } else {
        this.renderClock.gaps++;
        this.renderClock.lastGapFrames = -lag;
        this.mix.outputMoved();
      }
    }
    this.expectedFrame = frame + left.length;
    this.mix.render(left, right, frame);
    this.blocks++;
    const phase = this.mix.playing.phase;
    const generation = this.mix.playing.queue.generation;
    // A change of phase, or of track at a gapless or crossfaded boundary, is reported at once.
    if (
      phase !== this.lastPhase ||
      generation !== this.lastGeneration ||
      this.blocks % REPORT_EVERY_BLOCKS === 0
    ) {
      this.lastPhase = phase;
      this.lastGeneration = generation;
      this.report(frame + left.length);
    }
    // Kept alive for the page's lifetime: the one output path.
    return true;
  }

  private report(contextFrame: number): void {
    this.port.postMessage({ ...this.mix.status(contextFrame), renderClock: { ...this.renderClock } });
    if (!this.decoder) return;
    for (const head of this.mix.playheads()) {
      const report: PlayheadReport = { type: 'playhead', ...head };
      this.decoder.postMessage(report);
    }
  }
}

scope.registerProcessor('firefly-player', PlayerProcessor);
