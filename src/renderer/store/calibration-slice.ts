import type { StateCreator } from 'zustand';
import type { CalibrationReport } from '../../shared/calibration/messages';

export interface CalibrationSlice {
  calibration: {
    /** The latest calibration or check (this window's, or one the host reported). */
    report: CalibrationReport | null;
    /** What the running calibration is doing, in plain words; null when none runs here. */
    progress: string | null;
    /** The outcome of the last Apply: null before, [] when every speaker took its offset. */
    applied: string[] | null;
    actions: {
      setReport(report: CalibrationReport): void;
      /** Calibrates (or checks) from this window. */
      run(
        mode: 'calibrate' | 'check',
        peerIds?: readonly string[] | null,
        calibrationId?: string,
      ): Promise<void>;
      /** Sets each speaker's proposed output offset. */
      apply(): Promise<void>;
    };
  };
}

/** Room calibration as this window sees it (#23); the measuring itself is `calibration/controller.ts`. */
export const createCalibrationSlice: StateCreator<CalibrationSlice, [], [], CalibrationSlice> = (
  set,
  get,
) => {
  const patch = (p: Partial<CalibrationSlice['calibration']>) =>
    set((s) => ({ calibration: { ...s.calibration, ...p } }));
  return {
    calibration: {
      report: null,
      progress: null,
      applied: null,
      actions: {
        setReport: (report) => patch({ report }),
        run: async (mode, peerIds = null, calibrationId) => {
          if (get().calibration.progress !== null) return;
          patch({ progress: 'Opening the microphone…', applied: null });
          // Loaded on demand: the measuring code (FFT, recorder) is only needed here.
          const { runCalibration } = await import('../calibration/controller');
          try {
            const report = await runCalibration(mode, peerIds, calibrationId, (line) =>
              patch({ progress: line }),
            );
            patch({ report });
          } finally {
            patch({ progress: null });
          }
        },
        apply: async () => {
          const report = get().calibration.report;
          if (!report || report.mode !== 'calibrate' || report.state !== 'done') return;
          const { applyCalibration } = await import('../calibration/controller');
          patch({ applied: await applyCalibration(report) });
        },
      },
    },
  };
};
