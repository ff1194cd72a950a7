/**
 * The calibrating device's microphone (#23), recorded on the audio engine's own AudioContext so the
 * engine's output clock map and group clock say where each recorded sample lies in group time. The
 * browser's voice processing (echo cancellation, noise suppression, automatic gain) is off: it would
 * cut or reshape the test signal. The microphone's input latency is not known and need not be: it
 * delays every speaker alike.
 */

/** Where a recorded sample lies: the context frame of a batch's first sample, and the samples. */
interface Batch {
  frame: number;
  samples: Float32Array;
}

/** Why the microphone cannot be used, in words for the user. */
export class MicrophoneError extends Error {
  override readonly name = 'MicrophoneError';
}

/** Why getUserMedia refused, in words for the user. */
export function microphoneFailure(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  return name === 'NotAllowedError'
    ? 'the microphone was not allowed: allow it for this page and try again'
    : name === 'NotFoundError'
      ? 'this device has no microphone'
      : `the microphone could not be opened (${String(error)})`;
}

/** Whether this page can ask for a microphone at all (a secure context with getUserMedia). */
export function microphoneAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** Records the microphone on `context`; see the file comment. */
export class MicRecorder {
  private batches: Batch[] = [];

  private constructor(
    private readonly context: AudioContext,
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly node: AudioWorkletNode,
    private readonly sink: GainNode,
  ) {
    node.port.onmessage = (event: MessageEvent<Batch>) => this.batches.push(event.data);
  }

  /** Opens the microphone (the browser asks the user) and starts recording. */
  static async open(context: AudioContext, workletUrl: string): Promise<MicRecorder> {
    if (!microphoneAvailable())
      throw new MicrophoneError(
        'this page cannot use a microphone: open Firefly over https or on localhost, in a browser that allows it',
      );
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
      });
    } catch (error) {
      throw new MicrophoneError(microphoneFailure(error));
    }
    await context.audioWorklet.addModule(workletUrl);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'firefly-recorder', { numberOfOutputs: 1 });
    // Nothing is heard from it; the silent path to the output keeps it rendering.
    const sink = context.createGain();
    sink.gain.value = 0;
    source.connect(node).connect(sink).connect(context.destination);
    return new MicRecorder(context, stream, source, node, sink);
  }

  /** The context frame just recorded (the end of the last batch), or null before any. */
  lastFrame(): number | null {
    const last = this.batches.at(-1);
    return last ? last.frame + last.samples.length : null;
  }

  /** Samples of context frames `[fromFrame, toFrame)`, zero where nothing was recorded. */
  take(fromFrame: number, toFrame: number): Float32Array {
    const from = Math.floor(fromFrame);
    const out = new Float32Array(Math.max(0, Math.ceil(toFrame) - from));
    for (const b of this.batches) {
      const start = Math.max(from, b.frame);
      const end = Math.min(from + out.length, b.frame + b.samples.length);
      if (end > start) out.set(b.samples.subarray(start - b.frame, end - b.frame), start - from);
    }
    return out;
  }

  /** Drops what was recorded before context frame `frame` (a finished round's). */
  forget(frame: number): void {
    this.batches = this.batches.filter((b) => b.frame + b.samples.length > frame);
  }

  get sampleRate(): number {
    return this.context.sampleRate;
  }

  /** Stops recording and releases the microphone. */
  close(): void {
    this.node.port.onmessage = null;
    this.source.disconnect();
    this.node.disconnect();
    this.sink.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }
}
