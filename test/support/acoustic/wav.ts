/** Minimal WAV reading and writing: PCM 16/24/32-bit and IEEE float 32/64, plain or extensible. */

/** Decoded audio: one Float32Array per channel. */
export interface PcmAudio {
  sampleRate: number;
  channels: Float32Array[];
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/** Parses a WAV file. A data chunk whose size is unset (a stream cut short) runs to the end. */
export function readWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new Error('not a RIFF/WAVE file');
  let format = 0;
  let channelCount = 0;
  let sampleRate = 0;
  let bits = 0;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const id = tag(at);
    let size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      format = view.getUint16(body, true);
      channelCount = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format === EXTENSIBLE && size >= 40) format = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      if (size === 0 || size === 0xffffffff || body + size > bytes.byteLength) size = bytes.byteLength - body;
      return decode(view, body, size, format, channelCount, sampleRate, bits);
    }
    at = body + size + (size & 1);
  }
  throw new Error('no data chunk');
}

function decode(
  view: DataView,
  start: number,
  size: number,
  format: number,
  channelCount: number,
  sampleRate: number,
  bits: number,
): PcmAudio {
  if (channelCount < 1 || sampleRate < 1) throw new Error('missing or invalid fmt chunk');
  const bytesPer = bits / 8;
  const frames = Math.floor(size / (bytesPer * channelCount));
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  const read = sampleReader(view, format, bits);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channelCount; c++) channels[c]![f] = read(start + (f * channelCount + c) * bytesPer);
  }
  return { sampleRate, channels };
}

function sampleReader(view: DataView, format: number, bits: number): (at: number) => number {
  if (format === FLOAT && bits === 32) return (at) => view.getFloat32(at, true);
  if (format === FLOAT && bits === 64) return (at) => view.getFloat64(at, true);
  if (format === PCM && bits === 16) return (at) => view.getInt16(at, true) / 32768;
  if (format === PCM && bits === 24) {
    return (at) =>
      (view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608;
  }
  if (format === PCM && bits === 32) return (at) => view.getInt32(at, true) / 2147483648;
  throw new Error(`unsupported WAV format ${format} with ${bits} bits`);
}

/** Encodes audio as a WAV file: IEEE float 32 by default, or PCM 16. */
export function writeWav(audio: PcmAudio, encoding: 'float32' | 'pcm16' = 'float32'): Uint8Array {
  const channelCount = audio.channels.length;
  const frames = audio.channels[0]?.length ?? 0;
  const bytesPer = encoding === 'float32' ? 4 : 2;
  const dataSize = frames * channelCount * bytesPer;
  const out = new Uint8Array(44 + dataSize);
  const view = new DataView(out.buffer);
  const put = (at: number, s: string) => [...s].forEach((ch, i) => (out[at + i] = ch.charCodeAt(0)));
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, encoding === 'float32' ? FLOAT : PCM, true);
  view.setUint16(22, channelCount, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channelCount * bytesPer, true);
  view.setUint16(32, channelCount * bytesPer, true);
  view.setUint16(34, bytesPer * 8, true);
  put(36, 'data');
  view.setUint32(40, dataSize, true);
  let at = 44;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channelCount; c++) {
      const v = audio.channels[c]![f]!;
      if (encoding === 'float32') view.setFloat32(at, v, true);
      else view.setInt16(at, Math.max(-32768, Math.min(32767, Math.round(v * 32767))), true);
      at += bytesPer;
    }
  }
  return out;
}

/** Byte offset of the first sample in a WAV file (where its data chunk's body begins). */
export function wavDataOffset(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new Error('not a RIFF/WAVE file');
  for (let at = 12; at + 8 <= bytes.byteLength;) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'data') return at + 8;
    at += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}
