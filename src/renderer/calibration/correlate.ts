/** Matched filtering by FFT: where, in a recording, a known signal arrives. */
import FFT from 'fft.js';

const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(2, n)));

/**
 * Cross-correlation of `recording` with `reference` for every lag at which the reference fits
 * whole: out[lag] = Σ recording[lag + i] · reference[i], lag = 0 … recording.length − reference.length.
 */
export function crossCorrelate(recording: Float32Array, reference: Float32Array): Float32Array {
  const lags = recording.length - reference.length + 1;
  if (lags <= 0) return new Float32Array(0);
  const size = nextPowerOfTwo(recording.length + reference.length);
  const fft = new FFT(size);
  const a = new Float64Array(size);
  a.set(recording);
  const b = new Float64Array(size);
  b.set(reference);
  const specA = fft.createComplexArray() as number[];
  const specB = fft.createComplexArray() as number[];
  fft.realTransform(specA, a);
  fft.completeSpectrum(specA);
  fft.realTransform(specB, b);
  fft.completeSpectrum(specB);
  // Correlation is multiplication by the conjugate in the frequency domain.
  const product = fft.createComplexArray() as number[];
  for (let i = 0; i < size; i++) {
    const [ar, ai, br, bi] = [specA[2 * i]!, specA[2 * i + 1]!, specB[2 * i]!, -specB[2 * i + 1]!];
    product[2 * i] = ar * br - ai * bi;
    product[2 * i + 1] = ar * bi + ai * br;
  }
  const result = fft.createComplexArray() as number[];
  fft.inverseTransform(result, product);
  const out = new Float32Array(lags);
  for (let lag = 0; lag < lags; lag++) out[lag] = result[2 * lag]!;
  return out;
}
