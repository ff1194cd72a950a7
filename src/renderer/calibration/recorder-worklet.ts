/**
 * The microphone's AudioWorkletProcessor (#23): sends what it hears, with the context frame each block was
 * rendered at, so a calibration knows where in the context's time every recorded sample lies. Blocks are
 * sent in batches (about 85 ms) to keep messages few. Registers as `firefly-recorder`.
 */

interface WorkletScope {
  currentFrame: number;
  AudioWorkletProcessor: new () => { readonly port: MessagePort };
  registerProcessor(name: string, processor: unknown): void;
}

const scope = globalThis as unknown as WorkletScope;
const BATCH_FRAMES = 128 * 32;

class RecorderProcessor extends scope.AudioWorkletProcessor {
  private batch = new Float32Array(BATCH_FRAMES);
  private filled = 0;
  private batchFrame = 0;

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const frames = input?.length ?? 128;
    if (this.filled === 0) this.batchFrame = scope.currentFrame;
    // A block with no input (the microphone not delivering yet) is silence, so frames stay contiguous.
    if (input) this.batch.set(input, this.filled);
    this.filled += frames;
    if (this.filled + 128 > BATCH_FRAMES) {
      const samples = this.batch.slice(0, this.filled);
      this.port.postMessage({ frame: this.batchFrame, samples }, [samples.buffer]);
      this.filled = 0;
      this.batch.fill(0);
    }
    return true;
  }
}

scope.registerProcessor('firefly-recorder', RecorderProcessor);
