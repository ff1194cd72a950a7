import { describe, expect, it } from 'vitest';
import { decodeProbe, decodeReply, encodeProbe, encodeReply, PROBE_BYTES, REPLY_BYTES } from './probe-codec';

describe('probe codec', () => {
  it('round-trips probes and replies exactly', () => {
    const probe = { seq: 4_000_000_000, t1: 1_700_000_000_123.25 };
    expect(decodeProbe(encodeProbe(probe))).toEqual({ ok: true, value: probe });
    const reply = {
      seq: 7,
      t1: 1.5,
      t2: 1_700_000_000_000.25,
      t3: 1_700_000_000_000.375,
      serverErrorMs: 0.125,
      authoritative: true,
    };
    expect(decodeReply(encodeReply(reply))).toEqual({ ok: true, value: reply });
  });

  it('rejects frames of the wrong size, kind or content', () => {
    expect(decodeProbe(new Uint8Array(PROBE_BYTES - 1)).ok).toBe(false);
    expect(
      decodeProbe(encodeReply({ seq: 1, t1: 1, t2: 2, t3: 3, serverErrorMs: 0, authoritative: false })).ok,
    ).toBe(false);
    const nan = encodeProbe({ seq: 1, t1: 0 });
    new DataView(nan.buffer).setFloat64(5, Number.NaN);
    expect(decodeProbe(nan).ok).toBe(false);
    const backwards = encodeReply({ seq: 1, t1: 1, t2: 5, t3: 4, serverErrorMs: 0, authoritative: false });
    expect(decodeReply(backwards).ok).toBe(false);
    const flags = encodeReply({ seq: 1, t1: 1, t2: 2, t3: 3, serverErrorMs: 0, authoritative: false });
    flags[REPLY_BYTES - 1] = 0x80;
    expect(decodeReply(flags).ok).toBe(false);
  });
});
