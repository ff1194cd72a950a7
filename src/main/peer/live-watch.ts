/** Watches the room's live source: when its device leaves or stops offering it, playback stops and windows hear why (#22). */
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { LiveSourceList } from '../../shared/live/sources';
import type { TypedEventTarget } from '../../shared/events';
import type { Running } from './running';
import type { ComponentLogger, Logger } from '../../shared/logger';

/** What LiveWatch works with. */
export interface LiveWatchComponents {
  running(): Pick<Running, 'room' | 'playback' | 'node' | 'live'> | null;
  events: Pick<TypedEventTarget<BridgeEvents>, 'emit'>;
  statusChanged(): void;
  logger: ComponentLogger;
}

/** Why the last live source stopped on its own, and the checks that find out. */
export class LiveWatch {
  #lastStop: LiveSourceList['lastStop'] = null;
  readonly #log: Logger;

  constructor(private readonly components: LiveWatchComponents) {
    this.#log = components.logger.forComponent('firefly:live');
  }

  /** Why the last live source stopped on its own, until something plays again. */
  get lastStop(): LiveSourceList['lastStop'] {
    return this.#lastStop;
  }

  /** Something plays again (or is asked to): the last stop's reason is old news. */
  clear(): void {
    this.#lastStop = null;
  }

  /**
   * The room's live source is gone (its peer left or no longer offers it): every peer records why and
   * tells its windows; the leader stops playback (a peer that becomes leader later checks again).
   */
  stop(source: { sourceId: string; name: string }, reason: string): void {
    const running = this.components.running();
    if (!running) return;
    if (this.#lastStop?.sourceId !== source.sourceId) {
      this.#lastStop = { sourceId: source.sourceId, name: source.name, reason, atMs: Date.now() };
      this.#log(`"${source.name}" stopped: ${reason}`);
      this.components.events.emit('live:stopped', { sourceId: source.sourceId, name: source.name, reason });
      this.components.statusChanged();
    }
    if (running.room.isLeader())
      running.playback.request({ kind: 'stop' }).catch((error: unknown) => {
        this.#log(`could not stop "${source.name}": ${(error as Error).message}`);
      });
  }

  /** Stops the room's live source if its peer is no member any more or no longer offers it. */
  check(): void {
    const running = this.components.running();
    const source = running?.playback.state().source;
    if (!running || !source) return;
    const member =
      source.peerId === running.node.peerId || running.room.members().some((m) => m.peerId === source.peerId);
    if (!member) this.stop(source, 'its device left the room');
    else if (running.live.gone(source)) this.stop(source, 'its device no longer offers it');
  }
}
