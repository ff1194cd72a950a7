import { describe, expect, it } from 'vitest';
import { decodeControl, encodeControl } from '../protocol';
import {
  calibrationReportValidator,
  calibrationStartValidator,
  planFor,
  signalPlanValidator,
  type SignalPlan,
} from './messages';

const plan: SignalPlan = {
  calibrationId: 'c-1',
  startGroupMs: 10_000,
  endGroupMs: 15_000,
  signals: [
    { peerId: 'A1', atGroupMs: [10_400, 13_600] },
    { peerId: 'B2', atGroupMs: [12_000] },
  ],
};

describe('calibration messages', () => {
  it('accepts a plan and gives each speaker its own part', () => {
    expect(signalPlanValidator(plan)).toEqual({ ok: true, value: plan });
    expect(planFor(plan, 'B2')).toEqual({
      calibrationId: 'c-1',
      startGroupMs: 10_000,
      endGroupMs: 15_000,
      atGroupMs: [12_000],
    });
    expect(planFor(plan, 'C3')).toBeNull();
  });

  it('refuses plans a speaker must not follow: signals outside it, too long, too many, a bad peer id', () => {
    const bad = (p: unknown) => signalPlanValidator(p);
    expect(bad({ ...plan, endGroupMs: 9000 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/end must follow/),
    });
    expect(bad({ ...plan, endGroupMs: 10_000 + 10 * 60_000 })).toMatchObject({ ok: false });
    expect(bad({ ...plan, signals: [{ peerId: 'A1', atGroupMs: [20_000] }] })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/between its start and end/),
    });
    expect(bad({ ...plan, signals: [{ peerId: 'A1', atGroupMs: Array(17).fill(11_000) }] })).toMatchObject({
      ok: false,
    });
    expect(bad({ ...plan, signals: [{ peerId: '../x', atGroupMs: [] }] })).toMatchObject({ ok: false });
    expect(bad({ ...plan, calibrationId: '' })).toMatchObject({ ok: false });
    expect(bad({ ...plan, extra: 1 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown field/),
    });
  });

  it('checks the API’s start request and a window’s report', () => {
    expect(calibrationStartValidator({})).toMatchObject({ ok: true });
    expect(calibrationStartValidator({ peerIds: ['A1'], check: true })).toMatchObject({ ok: true });
    expect(calibrationStartValidator({ peerIds: 'A1' })).toMatchObject({ ok: false });
    expect(calibrationStartValidator({ check: 'yes' })).toMatchObject({ ok: false });
    const report = {
      calibrationId: 'c-1',
      mode: 'calibrate',
      state: 'done',
      by: 'phone',
      startedAtMs: 1,
      finishedAtMs: null,
      speakers: [],
      message: null,
    };
    expect(calibrationReportValidator(report)).toMatchObject({ ok: true });
    expect(calibrationReportValidator({ ...report, state: 'exploded' })).toMatchObject({ ok: false });
  });

  it('travels on the control topic, and a malformed one is dropped with a reason', () => {
    const message = { v: 1, type: 'calibration:signal' as const, plan, from: 'A1', epoch: 1, seq: 1 };
    expect(decodeControl(encodeControl(message), 'A1')).toMatchObject({ ok: true, value: { plan } });
    const bad = new TextEncoder().encode(JSON.stringify({ ...message, plan: { ...plan, endGroupMs: 1 } }));
    expect(decodeControl(bad, 'A1')).toMatchObject({ ok: false, ignored: false });
  });
});
