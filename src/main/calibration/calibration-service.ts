/**
 * Room calibration on the peer's side (#23). The measuring is done by a window with a microphone; this
 * service carries the rest: a request from the API or the REPL goes to this device's windows and the
 * first one with a microphone takes it; a calibrating window's signal plan goes to every speaker in it
 * (control topic) and to this device's own windows; the latest report is kept for `GET /api/calibration`.
 */
import { randomUUID } from 'node:crypto';
import type { BridgeEvents } from '../../shared/bridge/contract';
import { planFor, type CalibrationReport, type SignalPlan } from '../../shared/calibration/messages';
import type { TypedEventTarget } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** No window with a microphone took a requested calibration. */
export class NoMicrophoneError extends Error {
  override readonly name = 'NoMicrophoneError';
}

/** A calibration request names something that is not in the room, or no speaker at all. */
export class CalibrationRequestError extends Error {
  override readonly name = 'CalibrationRequestError';
}

/** A speaker the room knows of. */
export interface RoomSpeaker {
  peerId: string;
  name: string;
}

export interface CalibrationServiceComponents {
  selfId: string;
  /** This device's windows hear these events. */
  events: TypedEventTarget<BridgeEvents>;
  /** Broadcasts a signal plan on the control topic. */
  publish(plan: SignalPlan): void | Promise<unknown>;
  /** The room's speakers now (devices with a window playing), this one included. */
  speakers(): RoomSpeaker[];
  logger?: ComponentLogger;
  newId?: () => string;
}

export interface CalibrationServiceInit {
  /** How long a request waits for a window with a microphone to take it (ms). */
  acceptTimeoutMs?: number;
}

interface Waiting {
  taken: boolean;
  resolve(): void;
}

/** See the file comment. */
export class CalibrationService {
  readonly #c: CalibrationServiceComponents;
  readonly #acceptTimeoutMs: number;
  readonly #waiting = new Map<string, Waiting>();
  #latest: CalibrationReport | null = null;

  readonly #log: Logger;

  constructor(components: CalibrationServiceComponents, init: CalibrationServiceInit = {}) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:calibration');
    this.#acceptTimeoutMs = init.acceptTimeoutMs ?? 3000;
  }

  /**
   * Asks this device's windows to calibrate `peerIds` (default: every speaker in the room) and resolves
   * once one with a microphone took it; rejects with `NoMicrophoneError` when none did in time.
   */
  async request(request: { peerIds?: string[]; check?: boolean }): Promise<{ calibrationId: string }> {
    const speakers = this.#c.speakers();
    const known = new Set(speakers.map((s) => s.peerId));
    const unknown = (request.peerIds ?? []).filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new CalibrationRequestError(
        `not a speaker in the room: ${unknown.join(', ')} (GET /api/status lists members; a speaker has a window playing)`,
      );
    const peerIds = request.peerIds ? [...new Set(request.peerIds)] : speakers.map((s) => s.peerId);
    if (peerIds.length === 0)
      throw new CalibrationRequestError(
        'no speaker to calibrate: no device in the room has a window playing',
      );
    const calibrationId = (this.#c.newId ?? randomUUID)();
    const taken = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#acceptTimeoutMs);
      this.#waiting.set(calibrationId, {
        taken: false,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
    this.#c.events.emit('calibration:requested', { calibrationId, peerIds, check: request.check ?? false });
    const ok = await taken;
    if (!ok) {
      this.#waiting.delete(calibrationId);
      throw new NoMicrophoneError(
        'no window with a microphone is open on this device: open Firefly in a browser on a phone or laptop ' +
          '(https or localhost, so it may use the microphone) and allow the microphone, or use "Calibrate room" in its Room view',
      );
    }
    return { calibrationId };
  }

  /** A window offers to take a requested calibration: the first is told to go, the others not. */
  accept(calibrationId: string): { go: boolean } {
    const waiting = this.#waiting.get(calibrationId);
    if (!waiting || waiting.taken) return { go: false };
    waiting.taken = true;
    waiting.resolve();
    // Kept a while so a late second window hears no, then forgotten.
    setTimeout(() => this.#waiting.delete(calibrationId), 60_000).unref?.();
    return { go: true };
  }

  /** A calibrating window's plan: every speaker in it must be in the room; sent to them and played here. */
  async play(plan: SignalPlan): Promise<void> {
    const known = new Set(this.#c.speakers().map((s) => s.peerId));
    const unknown = plan.signals.filter((s) => !known.has(s.peerId)).map((s) => s.peerId);
    if (unknown.length > 0)
      throw new CalibrationRequestError(`not a speaker in the room: ${unknown.join(', ')}`);
    if (plan.signals.some((s) => s.peerId !== this.#c.selfId)) await this.#c.publish(plan);
    this.receive(this.#c.selfId, plan);
  }

  /** A plan from the control topic (already validated by the codec), or this device's own. */
  receive(from: string, plan: SignalPlan): void {
    const own = planFor(plan, this.#c.selfId);
    if (!own) return;
    if (from !== this.#c.selfId)
      this.#log(`${from} asks this speaker for ${own.atGroupMs.length} test signals`);
    this.#c.events.emit('calibration:signal', own);
  }

  /** A window's progress or result; the latest is what the API shows. */
  report(report: CalibrationReport): void {
    this.#latest = report;
    this.#c.events.emit('calibration:changed', report);
    if (report.state !== 'running')
      this.#log(`${report.mode}: ${report.state}${report.message ? ` (${report.message})` : ''}`);
  }

  /** The latest calibration or check, or null. */
  latest(): CalibrationReport | null {
    return this.#latest;
  }
}
