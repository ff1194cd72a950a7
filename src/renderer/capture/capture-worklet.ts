/**
 * The capture's AudioWorkletProcessor (#22): sends what the captured stream plays into it, stereo
 * planar at the context's rate (48 kHz), in batches of 2048 frames (about 43 ms) to keep messages
 * few. A mono input is sent on both channels. Registers as `firefly-capture`.
 */

interface WorkletScope {
  AudioWorkletProcessor: new () => { readonly port: MessagePort };
  registerProcessor(name: string, processor: unknown): void;
}

const scope = globalThis as unknown as WorkletScope;
const BATCH_FRAMES = 2048;

class CaptureProcessor extends scope.AudioWorkletProcessor {
  private left = new Float32Array(BATCH_FRAMES);
  private right = new Float32Array(BATCH_FRAMES);
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const l = channels[0];
    const r = channels[1] ?? l;
    const frames = l?.length ?? 128;
    // A block without input (the device not delivering yet) is silence, so batches stay contiguous.
    if (l && r) {
      this.left.set(l, this.filled);
      this.right.set(r, this.filled);
    }
    this.filled += frames;
    if (this.filled + 128 > BATCH_FRAMES) {
      const left = this.left.slice(0, this.filled);
      const right = this.right.slice(0, this.filled);
      this.port.postMessage({ left, right }, [left.buffer, right.buffer]);
      this.filled = 0;
      this.left.fill(0);
      this.right.fill(0);
    }
    return true;
  }
}

scope.registerProcessor('firefly-capture', CaptureProcessor);
export {};
