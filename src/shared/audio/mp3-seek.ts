/**
 * Seeking in a constant-bitrate MP3 without reading it from the start. An MP3 has no index: a demuxer
 * finds frame n by walking every frame header before it (mediabunny does: a seek near the end of a
 * 60-minute file read all 57 MB and took 3–4 s of CPU). In a CBR file frame n starts at
 * `first + n · frameBytes` to within a byte (the encoder pads single frames to keep the average exact),
 * and frames are hundreds of bytes long, so the header found nearest that estimate is frame n, exactly.
 * A file is taken as CBR when its LAME/Xing tag says `Info` (what LAME and FFmpeg write for CBR) and
 * its frame and byte counts agree with one frame length; a frame found more than 2 bytes from where
 * CBR puts it (bytes inserted into the stream, a file spliced from parts) is refused, and so is
 * anything else (`Xing`, `VBRI`, no tag): those keep the demuxer's walk. Only layer III is handled.
 */

/** An MPEG audio layer III frame header. */
export interface Mp3FrameHeader {
  /** 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5. */
  version: number;
  bitrateKbps: number;
  sampleRate: number;
  samplesPerFrame: number;
  /** The whole frame's length in bytes, header included. */
  frameBytes: number;
  mono: boolean;
}

/** How to find frame n of a CBR file. */
export interface Mp3CbrLayout {
  /** Byte offset of the first frame carrying audio (after ID3v2 and the Xing/Info frame). */
  firstFrameOffset: number;
  /** Average frame length in bytes (not a whole number: padding keeps the average exact). */
  frameBytes: number;
  samplesPerFrame: number;
  sampleRate: number;
  bitrateKbps: number;
  version: number;
  /** Audio frames in the file (the tag's count; the Info frame is not one). */
  frames: number;
}

const BITRATES: Record<string, readonly number[]> = {
  // Layer III, index 1..14.
  mpeg1: [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  mpeg2: [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/** The layer III frame header at `at`, or null if there is none (no sync, reserved values, free format). */
export function frameHeaderAt(bytes: Uint8Array, at: number): Mp3FrameHeader | null {
  if (at < 0 || at + 4 > bytes.length) return null;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  if (bytes[at] !== 0xff || (b1 & 0xe0) !== 0xe0 || (b1 & 0x06) !== 0x02) return null;
  const version = (b1 >> 3) & 0x03;
  const sampleRate = SAMPLE_RATES[version]?.[(b2 >> 2) & 0x03];
  const bitrateIndex = b2 >> 4;
  if (!sampleRate || bitrateIndex === 0 || bitrateIndex === 15) return null;
  const mpeg1 = version === 3;
  const bitrateKbps = BITRATES[mpeg1 ? 'mpeg1' : 'mpeg2']![bitrateIndex - 1]!;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  const padding = (b2 >> 1) & 0x01;
  const frameBytes = Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  return {
    version,
    bitrateKbps,
    sampleRate,
    samplesPerFrame,
    frameBytes,
    mono: ((bytes[at + 3]! >> 6) & 0x03) === 3,
  };
}

/** Whether two headers belong to one CBR stream (same version, rate and bitrate). */
function sameStream(
  a: Mp3FrameHeader,
  b: { version: number; sampleRate: number; bitrateKbps: number },
): boolean {
  return a.version === b.version && a.sampleRate === b.sampleRate && a.bitrateKbps === b.bitrateKbps;
}

/** The Xing/Info/VBRI tag in the frame at `at`, if any. */
function tagOf(bytes: Uint8Array, at: number, header: Mp3FrameHeader): string | null {
  const mpeg1 = header.version === 3;
  const sideInfo = mpeg1 ? (header.mono ? 17 : 32) : header.mono ? 9 : 17;
  const xing = String.fromCharCode(...bytes.subarray(at + 4 + sideInfo, at + 8 + sideInfo));
  if (xing === 'Xing' || xing === 'Info') return xing;
  // Fraunhofer's VBRI sits 32 bytes after the header.
  return String.fromCharCode(...bytes.subarray(at + 36, at + 40)) === 'VBRI' ? 'VBRI' : null;
}

/** How far (bytes) a CBR frame may lie from `first + n · frameBytes`: LAME's padding keeps it within one. */
const CBR_SLACK_BYTES = 2;

/**
 * The CBR layout of an MP3 from its first bytes (`head`: the file from byte 0, ID3v2 included; 16 KiB
 * after the tag is plenty), or null when the file is not known to be CBR (see the module comment).
 */
export function readMp3CbrLayout(head: Uint8Array, id3Bytes: number): Mp3CbrLayout | null {
  let at = id3Bytes;
  const limit = Math.min(head.length - 4, id3Bytes + 64 * 1024);
  while (at < limit && !frameHeaderAt(head, at)) at++;
  const info = frameHeaderAt(head, at);
  if (!info || tagOf(head, at, info) !== 'Info') return null;
  // The Info frame carries no audio: the music starts with the frame after it.
  const audio = at + info.frameBytes;
  const first = frameHeaderAt(head, audio);
  // (At low bitrates the Info frame has a bitrate of its own, large enough to hold the tag.)
  if (!first || first.version !== info.version || first.sampleRate !== info.sampleRate) return null;
  const { samplesPerFrame, sampleRate, bitrateKbps, version } = first;
  const frameBytes = ((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate;
  // The tag's frame count and stream size (Info frame included) must describe frames of this length.
  const sideInfo = version === 3 ? (info.mono ? 17 : 32) : info.mono ? 9 : 17;
  const fields = at + 4 + sideInfo + 4;
  if (fields + 12 > head.length) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const flags = view.getUint32(fields);
  if ((flags & 3) !== 3) return null;
  const frames = view.getUint32(fields + 4);
  const streamBytes = view.getUint32(fields + 8);
  if (frames === 0 || Math.abs(info.frameBytes + frames * frameBytes - streamBytes) > CBR_SLACK_BYTES)
    return null;
  return { firstFrameOffset: audio, frameBytes, samplesPerFrame, sampleRate, bitrateKbps, version, frames };
}

/** Where frame `frameIndex` is expected to start, and the bytes to read around it to find it. */
export function frameSearchWindow(layout: Mp3CbrLayout, frameIndex: number): { start: number; end: number } {
  const expected = layout.firstFrameOffset + frameIndex * layout.frameBytes;
  const span = Math.ceil(4 * layout.frameBytes) + 4;
  return {
    start: Math.max(layout.firstFrameOffset, Math.floor(expected) - span),
    end: Math.ceil(expected) + span,
  };
}

/**
 * Finds frame `frameIndex` in `bytes` (the file's bytes from `bytesOffset` on, covering its search
 * window): the header of this stream, followed by another at its length, nearest the expected offset.
 * Returns its byte offset in the file, or null if there is no such frame within `CBR_SLACK_BYTES` of it
 * (the file is not CBR after all there, and the caller walks from the start instead).
 */
export function findFrame(
  layout: Mp3CbrLayout,
  frameIndex: number,
  bytes: Uint8Array,
  bytesOffset: number,
): number | null {
  if (frameIndex < 0 || frameIndex >= layout.frames) return null;
  const expected = layout.firstFrameOffset + frameIndex * layout.frameBytes;
  let best: number | null = null;
  for (let i = 0; i + 4 <= bytes.length; i++) {
    const h = frameHeaderAt(bytes, i);
    if (!h || !sameStream(h, layout)) continue;
    const next = frameHeaderAt(bytes, i + h.frameBytes);
    // The last frame of the file has no next header: accept it when the window ends there.
    if (next ? !sameStream(next, layout) : i + h.frameBytes < bytes.length) continue;
    const offset = bytesOffset + i;
    if (best === null || Math.abs(offset - expected) < Math.abs(best - expected)) best = offset;
  }
  return best !== null && Math.abs(best - expected) <= CBR_SLACK_BYTES ? best : null;
}
