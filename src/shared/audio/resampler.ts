/**
 * Streaming sample-rate conversion of stereo PCM: to the AudioContext's rate in the decoder worker
 * (a 44.1 kHz track on a 48 kHz device), and to Opus's 48 kHz on a live source's peer. Windowed-sinc (Blackman) with `halfTaps` taps a side, from a
 * table of kernel phases with linear interpolation between them: flat to 20 kHz within a fraction
 * of a dB, images and aliases below about −70 dB, and cheap enough for a worker to run many
 * times faster than real time.
 *
 * Output frame n is input position n · inRate / outRate exactly, from wherever the stream starts,
 * so a decode restarted at another position lines up sample-exactly with the one before.
 */

const PHASES = 512;

/** Converts stereo PCM from `inRate` to `outRate`, output frame n being input position n·in/out. */
export class StreamResampler {
  private readonly kernel: Float32Array;
  private readonly step: number;
  private left = new Float32Array(0);
  private right = new Float32Array(0);
  /** Input frame index of `left[0]`. */
  private bufferStart = 0;
  private bufferFrames = 0;
  /** Next output frame to produce. */
  private nextOut = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    private readonly halfTaps = 16,
  ) {
    this.step = inRate / outRate;
    // Below both Nyquist frequencies, with room for the window's transition band.
    const cutoff = 0.92 * Math.min(1, outRate / inRate);
    const taps = 2 * halfTaps;
    this.kernel = new Float32Array((PHASES + 1) * taps);
    for (let p = 0; p <= PHASES; p++) {
      const frac = p / PHASES;
      for (let t = 0; t < taps; t++) {
        // Tap t weighs input frame floor(x) − halfTaps + 1 + t, at distance d from x.
        const d = t - halfTaps + 1 - frac;
        const sinc = d === 0 ? 1 : Math.sin(Math.PI * cutoff * d) / (Math.PI * cutoff * d);
        const w = (d + halfTaps) / (2 * halfTaps);
        const blackman =
          w <= 0 || w >= 1 ? 0 : 0.42 - 0.5 * Math.cos(2 * Math.PI * w) + 0.08 * Math.cos(4 * Math.PI * w);
        this.kernel[p * taps + t] = cutoff * sinc * blackman;
      }
    }
  }

  /** Input frame to start feeding from so that output starts at output frame `outFrame`. */
  inputStartFor(outFrame: number): number {
    return Math.max(0, Math.floor(outFrame * this.step) - this.halfTaps + 1);
  }

  /** Starts a stream whose first output frame is `outFrame` and whose input begins at input frame `inFrame`. */
  reset(outFrame: number, inFrame: number): void {
    this.nextOut = outFrame;
    this.bufferStart = inFrame;
    this.bufferFrames = 0;
  }

  /** The output frame the next `push` result starts at. */
  get nextOutputFrame(): number {
    return this.nextOut;
  }

  /**
   * Adds input frames (planar) that follow the ones before; returns the output frames now complete,
   * interleaved L R. With `final`, the stream ends here and the last frames are produced against silence.
   */
  push(left: Float32Array, right: Float32Array, final = false): Float32Array {
    this.append(left, right);
    const taps = 2 * this.halfTaps;
    const { inRate, outRate, kernel, bufferStart, bufferFrames } = this;
    const available = bufferStart + bufferFrames;
    const end = final ? available : available - this.halfTaps;
    // Output frames whose kernel's last input frame is in the buffer: those n with floor(n·in/out) < end.
    let count = 0;
    while (Math.floor(((this.nextOut + count) * inRate) / outRate) < end) count++;
    const out = new Float32Array(count * 2);
    const l = this.left;
    const r = this.right;
    for (let k = 0; k < count; k++) {
      const x = ((this.nextOut + k) * inRate) / outRate;
      const base = Math.floor(x);
      const pos = (x - base) * PHASES;
      const p = Math.floor(pos);
      const mix = pos - p;
      const first = base - this.halfTaps + 1 - bufferStart;
      const k0 = p * taps;
      const k1 = k0 + taps;
      let sl = 0;
      let sr = 0;
      if (first >= 0 && first + taps <= bufferFrames) {
        for (let t = 0; t < taps; t++) {
          const a = kernel[k0 + t]!;
          const w = a + (kernel[k1 + t]! - a) * mix;
          sl += l[first + t]! * w;
          sr += r[first + t]! * w;
        }
      } else {
        // The stream's first or (final) last frames: the kernel reaches past the input, which counts as silence.
        for (let t = Math.max(0, -first); t < taps && first + t < bufferFrames; t++) {
          const a = kernel[k0 + t]!;
          const w = a + (kernel[k1 + t]! - a) * mix;
          sl += l[first + t]! * w;
          sr += r[first + t]! * w;
        }
      }
      out[2 * k] = sl;
      out[2 * k + 1] = sr;
    }
    this.nextOut += count;
    // Keep only the input the next output frame still needs.
    const keepFrom = Math.floor((this.nextOut * inRate) / outRate) - this.halfTaps + 1;
    const drop = Math.min(bufferFrames, Math.max(0, keepFrom - bufferStart));
    if (drop > 0) {
      l.copyWithin(0, drop, bufferFrames);
      r.copyWithin(0, drop, bufferFrames);
      this.bufferFrames -= drop;
      this.bufferStart += drop;
    }
    return out;
  }

  private append(left: Float32Array, right: Float32Array): void {
    const need = this.bufferFrames + left.length;
    if (need > this.left.length) {
      const size = Math.max(need, this.left.length * 2, 4096);
      const l = new Float32Array(size);
      const r = new Float32Array(size);
      l.set(this.left.subarray(0, this.bufferFrames));
      r.set(this.right.subarray(0, this.bufferFrames));
      this.left = l;
      this.right = r;
    }
    this.left.set(left, this.bufferFrames);
    this.right.set(right, this.bufferFrames);
    this.bufferFrames = need;
  }
}
