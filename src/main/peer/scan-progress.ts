/**
 * How far this peer's library scan has got, as the status shows it: files done of those found, the
 * file being read, whether a scan runs. It outlives a restart of the services (the status shows the
 * last scan until the next one reports), so the Peer keeps it and the wiring points each new
 * scanner at it.
 */
import type { LibraryServices } from '../library';

/** The scan's progress, as `/api/status` reports it under `library.scan`. */
export interface ScanState {
  done: number;
  total: number;
  currentPath: string;
  running: boolean;
}

/** The latest progress of this peer's library scan. */
export class ScanProgress {
  #state: ScanState = { done: 0, total: 0, currentPath: '', running: false };

  /** The progress now. */
  get state(): ScanState {
    return this.#state;
  }

  /** Follows `scanner`'s progress; calls `progressed` on each step and `done` when a scan ends. */
  watch(scanner: LibraryServices['scanner'], on: { progressed(): void; done(): void }): void {
    scanner.on('scan:progress', (progress) => {
      this.#state = { ...progress, running: true };
      on.progressed();
    });
    scanner.on('scan:done', (summary) => {
      this.#state = { done: summary.files, total: summary.files, currentPath: '', running: false };
      on.done();
    });
  }
}
