/**
 * This window's part in the room's calibrations (#23): it plays its device's test signals when the room
 * asks (every window is a speaker), shows the latest report, and takes a calibration the API or the REPL
 * asked for when it can use a microphone (the host lets only the first window that offers run it).
 */
import { bridge } from '../bridge';
import { audioEngine } from '../playback/engine-host';
import { useStore } from '../store';
import { microphoneAvailable } from './recorder';

/** Subscribes this window to the room's calibration events; returns an unsubscribe function. */
export function startCalibrationListeners(): () => void {
  const offs = [
    bridge().on(
      'calibration:signal',
      (plan) =>
        void audioEngine()
          ?.playTestSignal(plan)
          .catch(() => undefined),
    ),
    bridge().on('calibration:changed', (report) => useStore.getState().calibration.actions.setReport(report)),
    bridge().on('calibration:requested', ({ calibrationId, peerIds, check }) => {
      if (!microphoneAvailable()) return;
      void bridge()
        .calibration.accept(calibrationId)
        .then(({ go }) => {
          if (!go) return;
          const mode = check ? 'check' : 'calibrate';
          return useStore.getState().calibration.actions.run(mode, peerIds, calibrationId);
        })
        .catch(() => undefined);
    }),
  ];
  return () => offs.forEach((off) => off());
}
