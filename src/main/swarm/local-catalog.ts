/**
 * This peer's own catalog as the room knows it: the track ids it announced, numbered by a per-run
 * `incarnation` and a `version` that grows by one per delta, with the recent changes kept so a peer
 * that missed some can ask for the versions since its last one.
 */
import { catalogLimits, changesSince, type CatalogChange } from '../../shared/swarm/catalog';
import type { CatalogListFrame, CatalogRequest } from '../../shared/swarm/catalog-stream';
import { randomHex } from './stream-util';

/** The announced track ids, their version and recent history. */
export class LocalCatalog {
  readonly incarnation = randomHex(8);
  readonly #historySize: number;
  #version = 0;
  #announced = new Set<string>();
  #history: CatalogChange[] = [];

  /** `historySize`: changes kept to answer `list` since a version. */
  constructor(historySize: number) {
    this.#historySize = historySize;
  }

  /** The version of the last announced change. */
  get version(): number {
    return this.#version;
  }

  /** Whether this peer announced the track. */
  has(trackId: string): boolean {
    return this.#announced.has(trackId);
  }

  /** Takes `trackIds` as announced (at start: what a previous run announced is what the index holds). */
  reset(trackIds: Iterable<string>): void {
    this.#announced = new Set(trackIds);
  }

  /** What changed from the announced set to `current`; `current` becomes the announced set. */
  diff(current: Set<string>): { added: string[]; removed: string[] } {
    const added = [...current].filter((id) => !this.#announced.has(id));
    const removed = [...this.#announced].filter((id) => !current.has(id));
    if (added.length > 0 || removed.length > 0) this.#announced = current;
    return { added, removed };
  }

  /** Numbers one change with the next version and keeps it in the history; returns the version. */
  record(change: Omit<CatalogChange, 'version'>): number {
    this.#version++;
    this.#history.push({ version: this.#version, ...change });
    if (this.#history.length > this.#historySize) this.#history.shift();
    return this.#version;
  }

  /** The answer to a `list` request: the changes since its version when this run has them, else every id. */
  listFrames(request: Extract<CatalogRequest, { op: 'list' }>): CatalogListFrame[] {
    const base = { incarnation: this.incarnation, version: this.#version };
    const since =
      request.incarnation === this.incarnation && request.sinceVersion !== undefined
        ? changesSince(this.#history, request.sinceVersion, this.#version)
        : null;
    const added = since ? since.added : [...this.#announced];
    const removed = since ? since.removed : [];
    const per = catalogLimits.maxListIdsPerFrame;
    const frames = Math.max(1, Math.ceil(added.length / per), Math.ceil(removed.length / per));
    return Array.from({ length: frames }, (_, i) => ({
      ...base,
      full: since === null,
      added: added.slice(i * per, (i + 1) * per),
      removed: removed.slice(i * per, (i + 1) * per),
      done: i === frames - 1,
    }));
  }
}
