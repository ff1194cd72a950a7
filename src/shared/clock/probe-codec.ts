/**
 * Wire format of clock probes: fixed-size big-endian binary frames, so timestamps travel as exact
 * float64 values and decoding costs nothing measurable between t2 and t3.
 *
 *   probe  (13 bytes): u8 kind=1 | u32 seq | f64 t1
 *   reply  (38 bytes): u8 kind=2 | u32 seq | f64 t1 (echoed) | f64 t2 | f64 t3 | f64 serverErrorMs | u8 flags
 *
 * t2 and t3 are the server's group time. flags bit 0 says the server is the leader (its group
 * time is the timeline itself); otherwise serverErrorMs is the server's own bound on its group time.
 */
import { err, ok, type Result } from '../result';

export const PROBE_KIND = 1;
export const REPLY_KIND = 2;
export const PROBE_BYTES = 13;
export const REPLY_BYTES = 38;
/** Largest frame either side ever sends; anything longer is malformed. */
export const MAX_CLOCK_FRAME_BYTES = 64;

/** A follower's probe. */
export interface ClockProbe {
  seq: number;
  t1: number;
}

/** The server's answer to a probe. */
export interface ClockReply {
  seq: number;
  t1: number;
  t2: number;
  t3: number;
  serverErrorMs: number;
  authoritative: boolean;
}

/** Encodes a probe frame. */
export function encodeProbe(probe: ClockProbe): Uint8Array {
  const bytes = new Uint8Array(PROBE_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, PROBE_KIND);
  view.setUint32(1, probe.seq >>> 0);
  view.setFloat64(5, probe.t1);
  return bytes;
}

/** Decodes a probe frame from untrusted bytes. */
export function decodeProbe(bytes: Uint8Array): Result<ClockProbe> {
  if (bytes.byteLength !== PROBE_BYTES)
    return err(`probe must be ${PROBE_BYTES} bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== PROBE_KIND) return err('not a probe frame');
  const t1 = view.getFloat64(5);
  if (!Number.isFinite(t1)) return err('probe t1 is not finite');
  return ok({ seq: view.getUint32(1), t1 });
}

/** Encodes a reply frame. */
export function encodeReply(reply: ClockReply): Uint8Array {
  const bytes = new Uint8Array(REPLY_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, REPLY_KIND);
  view.setUint32(1, reply.seq >>> 0);
  view.setFloat64(5, reply.t1);
  view.setFloat64(13, reply.t2);
  view.setFloat64(21, reply.t3);
  view.setFloat64(29, reply.serverErrorMs);
  view.setUint8(37, reply.authoritative ? 1 : 0);
  return bytes;
}

/** Decodes a reply frame from untrusted bytes. */
export function decodeReply(bytes: Uint8Array): Result<ClockReply> {
  if (bytes.byteLength !== REPLY_BYTES)
    return err(`reply must be ${REPLY_BYTES} bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== REPLY_KIND) return err('not a reply frame');
  const t1 = view.getFloat64(5);
  const t2 = view.getFloat64(13);
  const t3 = view.getFloat64(21);
  const serverErrorMs = view.getFloat64(29);
  const flags = view.getUint8(37);
  if (![t1, t2, t3, serverErrorMs].every(Number.isFinite)) return err('reply timestamps are not finite');
  if (t3 < t2) return err('reply sent before it was received');
  if (serverErrorMs < 0) return err('negative server error');
  if ((flags & ~1) !== 0) return err('unknown reply flags');
  return ok({ seq: view.getUint32(1), t1, t2, t3, serverErrorMs, authoritative: (flags & 1) === 1 });
}
