/** What this device's speakers do: how many windows play here, their state and their latest sync figure. */
import type { SpeakerReport } from '../../shared/status';

/** A window reports its sync every second or so while it plays; an older figure says nothing about now. */
export const SYNC_REPORT_FRESH_MS = 5000;

/** A window's latest sync figure, with when it came. */
export interface SyncReport {
  errorMs: number;
  boundMs: number;
  atMs: number;
}

/** This device's speaker as its windows report it. */
export class SpeakerOutput {
  #speakers = 0;
  #state: Pick<SpeakerReport, 'state' | 'detail'> | null = null;
  #sync: SyncReport | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Sets how many windows play here; none forgets the speaker's state. */
  setSpeakers(count: number): void {
    this.#speakers = Math.max(0, count);
    if (this.#speakers === 0) this.#state = null;
  }

  /** Whether a window plays on this device. */
  get playing(): boolean {
    return this.#speakers > 0;
  }

  /** A window's sync figure. */
  report(report: { errorMs: number; boundMs: number }): void {
    this.#sync = { ...report, atMs: this.now() };
  }

  /** A window's speaker state. */
  setState(state: Pick<SpeakerReport, 'state' | 'detail'>): void {
    this.#state = state;
  }

  /** The latest sync figure, however old (`/api/status` shows it with its time). */
  get sync(): SyncReport | null {
    return this.#sync;
  }

  /**
   * What this device's speaker is doing, as its window last said, with its engine's latest sync
   * figure while it plays (a figure older than a few reports is no figure).
   */
  output(): SpeakerReport | null {
    if (this.#speakers === 0 || !this.#state) return null;
    const sync = this.#sync;
    const fresh = sync !== null && this.now() - sync.atMs < SYNC_REPORT_FRESH_MS;
    return { ...this.#state, syncErrorMs: this.#state.state === 'playing' && fresh ? sync.errorMs : null };
  }
}
