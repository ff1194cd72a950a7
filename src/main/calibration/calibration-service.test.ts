import { describe, expect, it } from 'vitest';
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { CalibrationReport, SignalPlan } from '../../shared/calibration/messages';
import { TypedEventTarget } from '../../shared/events';
import { CalibrationRequestError, CalibrationService, NoMicrophoneError } from './calibration-service';
import { silentLogger } from '../../shared/logger';

function service({ acceptTimeoutMs = 50 } = {}) {
  const events = new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test'));
  const published: SignalPlan[] = [];
  const seen: Array<[string, unknown]> = [];
  for (const name of ['calibration:requested', 'calibration:signal', 'calibration:changed'] as const)
    events.on(name, (payload) => seen.push([name, payload]));
  const calibration = new CalibrationService(
    {
      selfId: 'self',
      events,
      publish: (plan) => void published.push(plan),
      speakers: () => [
        { peerId: 'self', name: 'desk' },
        { peerId: 'tv', name: 'TV' },
      ],
      logger: silentLogger,
      newId: () => 'cal1',
    },
    { acceptTimeoutMs },
  );
  return { calibration, published, seen };
}

const plan: SignalPlan = {
  calibrationId: 'cal1',
  startGroupMs: 1000,
  endGroupMs: 6000,
  signals: [
    { peerId: 'self', atGroupMs: [1400, 4600] },
    { peerId: 'tv', atGroupMs: [3000] },
  ],
};

describe('calibration service', () => {
  it('hands a request to the first window that takes it, and tells a second one no', async () => {
    const { calibration, seen } = service();
    const started = calibration.request({});
    expect(seen[0]).toEqual([
      'calibration:requested',
      { calibrationId: 'cal1', peerIds: ['self', 'tv'], check: false },
    ]);
    expect(calibration.accept('cal1')).toEqual({ go: true });
    expect(calibration.accept('cal1')).toEqual({ go: false });
    expect(calibration.accept('other')).toEqual({ go: false });
    await expect(started).resolves.toEqual({ calibrationId: 'cal1' });
  });

  it('says plainly when no window with a microphone takes it, and refuses speakers not in the room', async () => {
    const { calibration } = service();
    await expect(calibration.request({ check: true })).rejects.toThrow(NoMicrophoneError);
    await expect(calibration.request({ peerIds: ['ghost'] })).rejects.toThrow(CalibrationRequestError);
    await expect(calibration.request({ peerIds: ['ghost'] })).rejects.toThrow(
      /not a speaker in the room: ghost/,
    );
  });

  it('sends a plan to the room and gives this device’s windows only their own signals', async () => {
    const { calibration, published, seen } = service();
    await calibration.play(plan);
    expect(published).toEqual([plan]);
    expect(seen).toEqual([
      [
        'calibration:signal',
        { calibrationId: 'cal1', startGroupMs: 1000, endGroupMs: 6000, atGroupMs: [1400, 4600] },
      ],
    ]);
    // A plan from another peer that leaves this device out plays nothing here.
    calibration.receive('tv', { ...plan, signals: [{ peerId: 'tv', atGroupMs: [3000] }] });
    expect(seen).toHaveLength(1);
    await expect(
      calibration.play({ ...plan, signals: [{ peerId: 'gone', atGroupMs: [2000] }] }),
    ).rejects.toThrow(CalibrationRequestError);
  });

  it('keeps the latest report for the API and tells the windows', () => {
    const { calibration, seen } = service();
    expect(calibration.latest()).toBeNull();
    const report: CalibrationReport = {
      calibrationId: 'cal1',
      mode: 'check',
      state: 'done',
      by: 'phone',
      startedAtMs: 1,
      finishedAtMs: 2,
      speakers: [],
      message: null,
    };
    calibration.report(report);
    expect(calibration.latest()).toEqual(report);
    expect(seen.at(-1)).toEqual(['calibration:changed', report]);
  });
});
