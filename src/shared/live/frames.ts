/**
 * Frames of a live source's stream, the same on the libp2p `live` protocol (each frame
 * length-prefixed by libp2p's varint) and on `GET /media/live/<sourceId>` (each frame prefixed by
 * its length as a u32, little-endian). All numbers are little-endian.
 *
 * - PCM   `0x01` groupMs f64 · sampleRate u32 · frameCount u32 · frameCount × 2 × s16 samples
 *   (interleaved L R). `groupMs` is the group time at which the first frame is heard.
 * - OPUS  `0x04` groupMs f64 · skip u16 · frameCount u16 · one Opus packet (48 kHz stereo). Decoded,
 *   the packet's first `skip` frames are dropped (the encoder's look-ahead at the start of a run) and
 *   the next `frameCount` are heard from `groupMs` on; the rest (the padding of a run's last packet)
 *   is dropped too. Packets follow each other in one decoder until a STALL or a jump in group time.
 * - FLAC  `0x05` groupMs f64 · sampleRate u32 · frameCount u16 · one FLAC frame (stereo s16, its
 *   header to its CRC-16; flac-encode.ts), which decodes on its own to `frameCount` frames heard from
 *   `groupMs` on: lossless at about half of PCM's bytes.
 * - STALL `0x02` groupMs f64: no PCM since `groupMs` (the source stalled); the next PCM resumes.
 * - END   `0x03` reason (UTF-8): the source stopped or failed; the stream ends after it.
 * - OPEN  `0x10` sourceId (UTF-8): the first and only frame a listener sends on the libp2p protocol.
 *
 * Decoding never throws: a frame that breaks these rules is an error result (the stream carrying
 * it is closed and counted).
 */
import { err, ok, type Result } from '../result';

export const LIVE_PCM = 0x01;
export const LIVE_STALL = 0x02;
export const LIVE_END = 0x03;
export const LIVE_OPUS = 0x04;
export const LIVE_FLAC = 0x05;
/** Opus frames are always 48 kHz stereo. */
export const OPUS_SAMPLE_RATE = 48_000;
export const LIVE_OPEN = 0x10;

/** Limits every frame is held to, on encode and decode. */
export const liveLimits = {
  /** 200 ms at 48 kHz: sources cut their PCM into frames of at most this. */
  maxFramesPerFrame: 9600,
  minSampleRate: 8000,
  maxSampleRate: 192_000,
  maxReasonBytes: 512,
  maxSourceIdChars: 64,
  /** An Opus packet: at most 3 frames of 1275 bytes (RFC 6716), far more than a 20 ms packet needs. */
  maxOpusPacketBytes: 3828,
  /** Frames one Opus packet may decode to (120 ms at 48 kHz). */
  maxOpusFrames: 5760,
  /** A FLAC frame of 9600 stereo s16 frames at worst (verbatim): header, two subframes, CRC. */
  maxFlacFrameBytes: 16 + 2 * (1 + 9600 * 2) + 2,
  /** The largest frame: a FLAC frame of 9600 frames at worst, with its header (PCM's is 17 + 9600 × 4). */
  maxFrameBytes: 15 + 16 + 2 * (1 + 9600 * 2) + 2,
} as const;

/** A live stream frame, decoded. */
export type LiveFrame =
  | { type: 'pcm'; groupMs: number; sampleRate: number; frameCount: number; pcm: Int16Array }
  | { type: 'opus'; groupMs: number; skip: number; frameCount: number; packet: Uint8Array }
  | { type: 'flac'; groupMs: number; sampleRate: number; frameCount: number; flac: Uint8Array }
  | { type: 'stall'; groupMs: number }
  | { type: 'end'; reason: string };

const SOURCE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Whether `id` is a well-formed source id (lowercase letters, digits and `-`, at most 64). */
export const isSourceId = (id: unknown): id is string => typeof id === 'string' && SOURCE_ID.test(id);

// The shared layer compiles without DOM or Node types: TextEncoder/TextDecoder through a narrow type.
const g = globalThis as unknown as {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
};
const encoder = new g.TextEncoder();
const decoder = new g.TextDecoder('utf-8', { fatal: true });

/** A PCM frame; `pcm` is interleaved stereo s16 (`frameCount` × 2 samples). */
export function encodePcmFrame(groupMs: number, sampleRate: number, pcm: Int16Array): Uint8Array {
  const frameCount = pcm.length >> 1;
  const out = new Uint8Array(17 + frameCount * 4);
  const view = new DataView(out.buffer);
  out[0] = LIVE_PCM;
  view.setFloat64(1, groupMs, true);
  view.setUint32(9, sampleRate, true);
  view.setUint32(13, frameCount, true);
  for (let i = 0; i < frameCount * 2; i++) view.setInt16(17 + i * 2, pcm[i]!, true);
  return out;
}

/** An OPUS frame: `packet` decodes to frames of which `skip` are dropped, then `frameCount` heard from `groupMs`. */
export function encodeOpusFrame(
  groupMs: number,
  skip: number,
  frameCount: number,
  packet: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(13 + packet.length);
  const view = new DataView(out.buffer);
  out[0] = LIVE_OPUS;
  view.setFloat64(1, groupMs, true);
  view.setUint16(9, skip, true);
  view.setUint16(11, frameCount, true);
  out.set(packet, 13);
  return out;
}

/** A FLAC frame: `flac` (one FLAC frame) decodes to `frameCount` frames heard from `groupMs` on. */
export function encodeFlacLiveFrame(
  groupMs: number,
  sampleRate: number,
  frameCount: number,
  flac: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(15 + flac.length);
  const view = new DataView(out.buffer);
  out[0] = LIVE_FLAC;
  view.setFloat64(1, groupMs, true);
  view.setUint32(9, sampleRate, true);
  view.setUint16(13, frameCount, true);
  out.set(flac, 15);
  return out;
}

/** A STALL frame. */
export function encodeStallFrame(groupMs: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = LIVE_STALL;
  new DataView(out.buffer).setFloat64(1, groupMs, true);
  return out;
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
function utf8Within(text: string, maxBytes: number): Uint8Array {
  let bytes = encoder.encode(text);
  let cut = text;
  while (bytes.length > maxBytes) {
    cut = cut.slice(0, -1);
    bytes = encoder.encode(cut);
  }
  return bytes;
}

/** An END frame (the reason is cut to `liveLimits.maxReasonBytes`). */
export function encodeEndFrame(reason: string): Uint8Array {
  const text = utf8Within(reason, liveLimits.maxReasonBytes);
  const out = new Uint8Array(1 + text.length);
  out[0] = LIVE_END;
  out.set(text, 1);
  return out;
}

/** The OPEN frame a listener sends. */
export function encodeOpenFrame(sourceId: string): Uint8Array {
  const text = encoder.encode(sourceId);
  const out = new Uint8Array(1 + text.length);
  out[0] = LIVE_OPEN;
  out.set(text, 1);
  return out;
}

/** Decodes an OPEN frame into its source id. */
export function decodeOpenFrame(bytes: Uint8Array): Result<string> {
  if (bytes.length < 2 || bytes[0] !== LIVE_OPEN) return err('expected an OPEN frame');
  let id: string;
  try {
    id = decoder.decode(bytes.subarray(1));
  } catch {
    return err('OPEN: source id is not UTF-8');
  }
  return isSourceId(id) ? ok(id) : err('OPEN: malformed source id');
}

/** Decodes one PCM, OPUS, FLAC, STALL or END frame (a FLAC or Opus payload is checked when decoded). */
export function decodeLiveFrame(bytes: Uint8Array): Result<LiveFrame> {
  if (bytes.length === 0) return err('empty frame');
  if (bytes.length > liveLimits.maxFrameBytes) return err(`frame of ${bytes.length} bytes is too large`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes[0]) {
    case LIVE_PCM: {
      if (bytes.length < 17) return err('PCM: short header');
      const groupMs = view.getFloat64(1, true);
      const sampleRate = view.getUint32(9, true);
      const frameCount = view.getUint32(13, true);
      if (!Number.isFinite(groupMs) || groupMs < 0) return err('PCM: bad group time');
      if (sampleRate < liveLimits.minSampleRate || sampleRate > liveLimits.maxSampleRate)
        return err(`PCM: sample rate ${sampleRate} out of range`);
      if (frameCount === 0 || frameCount > liveLimits.maxFramesPerFrame)
        return err(`PCM: ${frameCount} frames out of range`);
      if (bytes.length !== 17 + frameCount * 4) return err('PCM: length does not match the frame count');
      const pcm = new Int16Array(frameCount * 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(17 + i * 2, true);
      return ok({ type: 'pcm', groupMs, sampleRate, frameCount, pcm });
    }
    case LIVE_OPUS: {
      if (bytes.length < 14) return err('OPUS: short frame');
      if (bytes.length - 13 > liveLimits.maxOpusPacketBytes) return err('OPUS: packet too large');
      const groupMs = view.getFloat64(1, true);
      const skip = view.getUint16(9, true);
      const frameCount = view.getUint16(11, true);
      if (!Number.isFinite(groupMs) || groupMs < 0) return err('OPUS: bad group time');
      if (frameCount === 0 || skip + frameCount > liveLimits.maxOpusFrames)
        return err(`OPUS: ${skip} + ${frameCount} frames out of range`);
      return ok({ type: 'opus', groupMs, skip, frameCount, packet: bytes.slice(13) });
    }
    case LIVE_FLAC: {
      if (bytes.length < 15 + 8) return err('FLAC: short frame');
      if (bytes.length - 15 > liveLimits.maxFlacFrameBytes) return err('FLAC: frame too large');
      const groupMs = view.getFloat64(1, true);
      const sampleRate = view.getUint32(9, true);
      const frameCount = view.getUint16(13, true);
      if (!Number.isFinite(groupMs) || groupMs < 0) return err('FLAC: bad group time');
      if (sampleRate < liveLimits.minSampleRate || sampleRate > liveLimits.maxSampleRate)
        return err(`FLAC: sample rate ${sampleRate} out of range`);
      if (frameCount === 0 || frameCount > liveLimits.maxFramesPerFrame)
        return err(`FLAC: ${frameCount} frames out of range`);
      return ok({ type: 'flac', groupMs, sampleRate, frameCount, flac: bytes.slice(15) });
    }
    case LIVE_STALL: {
      if (bytes.length !== 9) return err('STALL: wrong length');
      const groupMs = view.getFloat64(1, true);
      return Number.isFinite(groupMs) ? ok({ type: 'stall', groupMs }) : err('STALL: bad group time');
    }
    case LIVE_END: {
      if (bytes.length - 1 > liveLimits.maxReasonBytes) return err('END: reason too long');
      try {
        return ok({ type: 'end', reason: decoder.decode(bytes.subarray(1)) });
      } catch {
        return err('END: reason is not UTF-8');
      }
    }
    default:
      return err(`unknown frame type ${bytes[0]}`);
  }
}

/** A frame with its u32 little-endian length in front, as `/media/live` sends it. */
export function withLengthPrefix(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + frame.length);
  new DataView(out.buffer).setUint32(0, frame.length, true);
  out.set(frame, 4);
  return out;
}

/**
 * Splits an HTTP body of length-prefixed frames back into frames, across any cut of the bytes.
 * A length beyond the limit is an error (the stream is then useless).
 */
export class LiveFrameSplitter {
  #buffer = new Uint8Array(0);

  /** Adds bytes; returns the frames now complete, or an error. */
  push(bytes: Uint8Array): Result<Uint8Array[]> {
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (joined.length - at >= 4) {
      const length = new DataView(joined.buffer, at, 4).getUint32(0, true);
      if (length === 0 || length > liveLimits.maxFrameBytes)
        return err(`frame length ${length} out of range`);
      if (joined.length - at - 4 < length) break;
      frames.push(joined.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.#buffer = joined.slice(at);
    return ok(frames);
  }
}
