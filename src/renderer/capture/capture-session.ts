/**
 * A window's capture shared with the room (#22): a microphone or line-in (`getUserMedia`, voice
 * processing off: it would reshape music) or, in the desktop app, the system's sound
 * (`getDisplayMedia`, which the shell answers with a loopback of the screen's audio where the OS
 * allows it). The sound is recorded on an AudioContext of its own at 48 kHz (the browser resamples
 * the device), stamped in group time and encoded in this window (CaptureEncoder), and pushed to this
 * window's peer as it comes, which publishes it as a source of the room.
 */
import type { CaptureCodec } from '../../shared/bridge/payloads';
import { OPUS_SAMPLE_RATE } from '../../shared/live/frames';
import { bridge } from '../bridge';
import { MicrophoneError, microphoneFailure } from '../calibration/recorder';
import { CaptureEncoder } from './capture-encoder';
import captureWorkletUrl from './capture-worklet?worker&url';

/** What to capture. */
export type CaptureInput = { kind: 'device'; deviceId: string | null } | { kind: 'system' };

/** Options of a capture. */
export interface CaptureStart {
  input: CaptureInput;
  name: string;
  codec: CaptureCodec;
  /** The room's live delay on this device (its `liveDelayMs` setting). */
  delayMs: number;
  /** Group time now (ms), null before this window's clock has an estimate. */
  groupNow(): number | null;
  /** The capture ended by itself (the device went away, sharing was stopped, the peer refused it). */
  onEnded(reason: string): void;
}

const MAX_FRAMES_PER_PUSH = 64;

/** What the capture worklet sends: a batch, planar. */
interface Batch {
  left: Float32Array;
  right: Float32Array;
}

/** Audio inputs this window may capture from (labels appear once a capture was allowed). */
export async function captureDevices(): Promise<{ deviceId: string; label: string }[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const all = await navigator.mediaDevices.enumerateDevices();
  return all
    .filter((d) => d.kind === 'audioinput' && d.deviceId !== '')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Input ${i + 1}` }));
}

async function openInput(input: CaptureInput): Promise<MediaStream> {
  if (input.kind === 'system') {
    const stream = await navigator.mediaDevices.getDisplayMedia({ audio: true, video: true });
    for (const track of stream.getVideoTracks()) track.stop();
    if (stream.getAudioTracks().length === 0) {
      for (const track of stream.getTracks()) track.stop();
      throw new MicrophoneError('this system does not let Firefly capture its sound (no loopback audio)');
    }
    return stream;
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(input.deviceId ? { deviceId: { exact: input.deviceId } } : {}),
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
        channelCount: { ideal: 2 },
      },
    });
  } catch (error) {
    throw new MicrophoneError(microphoneFailure(error));
  }
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** One running capture; `stop()` ends it. */
export class CaptureSession {
  #stopped = false;
  #pushing: Promise<void> | null = null;
  readonly #pending: string[] = [];

  private constructor(
    readonly sourceId: string,
    private readonly stream: MediaStream,
    private readonly context: AudioContext,
    private readonly encoder: CaptureEncoder,
    private readonly options: CaptureStart,
  ) {}

  /** Frames sent to the peer so far, and re-anchors of the stamps (for diagnostics). */
  get counts(): { frames: number; reanchors: number } {
    return { frames: this.encoder.frames, reanchors: this.encoder.reanchors };
  }

  /** Opens the input (the browser may ask the user), starts the source on the peer and streams to it. */
  static async start(options: CaptureStart): Promise<CaptureSession> {
    if (options.codec === 'opus' && typeof AudioEncoder === 'undefined')
      throw new MicrophoneError('this browser cannot encode Opus (no WebCodecs): choose PCM, or use https');
    const stream = await openInput(options.input);
    const context = new AudioContext({ sampleRate: OPUS_SAMPLE_RATE, latencyHint: 'interactive' });
    let session: CaptureSession | null = null;
    try {
      await context.audioWorklet.addModule(captureWorkletUrl);
      const source = context.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(context, 'firefly-capture', {
        channelCount: 2,
        channelCountMode: 'explicit',
        numberOfOutputs: 1,
      });
      // Nothing is heard from it here; the silent path to the output keeps it rendering.
      const sink = context.createGain();
      sink.gain.value = 0;
      source.connect(node).connect(sink).connect(context.destination);
      await context.resume();
      const { sourceId } = await bridge().live.captureStart(options.name, options.codec);
      const s = (session = new CaptureSession(
        sourceId,
        stream,
        context,
        new CaptureEncoder({
          codec: options.codec,
          delayMs: options.delayMs,
          onFrame: (frame) => s.#pending.push(base64(frame)),
          onError: (message) => void s.stop(message),
        }),
        options,
      ));
      node.port.onmessage = (event: MessageEvent<Batch>) => s.#onBatch(event.data);
      for (const track of stream.getAudioTracks())
        track.addEventListener('ended', () => void s.stop('the input went away'));
      return s;
    } catch (error) {
      if (!session) {
        for (const track of stream.getTracks()) track.stop();
        void context.close();
      }
      throw error;
    }
  }

  #onBatch({ left, right }: Batch): void {
    if (this.#stopped) return;
    const now = this.options.groupNow();
    // Before this window has group time nothing can be stamped: the batch is not sent.
    if (now === null) return;
    // The batch's first frame was captured about its own length ago: it arrives as it ends. (Mapping its
    // context frame through the context's output timestamp was tried: that timestamp jitters and jumps
    // while the output starts, and re-anchored the stream twice in 10 s where this did not once.)
    this.encoder.push(left, right, now - (left.length * 1000) / OPUS_SAMPLE_RATE);
    // Pushed as batches come (every 43 ms), not on a timer: a hidden tab's timers run once a second,
    // far too late for the live delay, while its audio keeps running. A push in flight gathers the next.
    this.#pushing ??= this.#push().finally(() => (this.#pushing = null));
  }

  async #push(): Promise<void> {
    while (this.#pending.length > 0) {
      const frames = this.#pending.splice(0, MAX_FRAMES_PER_PUSH);
      try {
        await bridge().live.capturePush(this.sourceId, frames);
      } catch (error) {
        if (!this.#stopped) void this.stop(`the device refused the sound: ${(error as Error).message}`);
        return;
      }
    }
  }

  /** Ends the capture; `reason` (when it ended by itself) goes to `onEnded`. */
  async stop(reason?: string): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const track of this.stream.getTracks()) track.stop();
    // The encoder's last frames still go out (errors now are only swallowed).
    await this.encoder.close().catch(() => undefined);
    await this.#pushing;
    await this.#push();
    await bridge()
      .live.captureStop(this.sourceId)
      .catch(() => undefined);
    await this.context.close().catch(() => undefined);
    if (reason) this.options.onEnded(reason);
  }
}
