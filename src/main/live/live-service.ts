/**
 * Live sources of the room, on one peer: the sources this peer reads (its `--source` flags and its
 * settings), what other peers announce, the `live` protocol both ways, and the frames for this
 * peer's windows (`GET /media/live/<sourceId>`).
 *
 * Each local source is announced on the control topic (`live:sources`) when anything about it
 * changes and every 5 s, so every member can list and play it. Its frames go to a FrameFeed that
 * members' streams and local windows listen to; frames of other peers' sources come through the
 * LiveRelay, one stream per source however many windows listen. A source's cover reaches every
 * window the same way (LiveCovers: `GET /media/live-cover/<sourceId>` on any peer).
 */
import type {
  LiveMessage,
  LiveSourceInfo,
  LiveSourceAnnounce,
  LiveSourceRef,
} from '../../shared/live/sources';
import { liveBodyValidators } from '../../shared/live/sources';
import type { StreamGuard } from '../net/stream-guard';
import type { SwarmNode } from '../swarm/stream-util';
import { CaptureSources, type CaptureSourcesInit } from './capture-sources';
import { LiveCovers, type LiveCoversInit } from './live-covers';
import { LiveRelay } from './live-relay';
import { LiveServer } from './live-server';
import { liveStats } from './live-stats';
import {
  createLocal,
  localInfo,
  retireLocal,
  type Local,
  type LocalSourceOptions,
} from './local-live-source';
import { parseSource } from './uri';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Collaborators of LiveService. */
export interface LiveServiceComponents {
  node: SwarmNode;
  groupNow(): number;
  /** This device's name (presets name their receivers after it). */
  selfName(): string;
  publish(message: LiveMessage): void | Promise<unknown>;
  subscribe(listener: (from: string, message: LiveMessage) => void, options: { signal: AbortSignal }): void;
  /** A member's name, or null when it is not in the room. */
  memberName(peerId: string): string | null;
  guard?: StreamGuard;
  logger?: ComponentLogger;
}

/** Options. */
export interface LiveServiceInit {
  /** `--source` values and the settings' sources. */
  uris?: string[];
  delayMs?: number;
  announceMs?: number;
  /** Options of each source (tests shorten its timings). */
  source?: LocalSourceOptions;
  /** Options of the windows' captures. */
  capture?: CaptureSourcesInit;
  /** Options of the cover exchange. */
  covers?: LiveCoversInit;
}

/** Live sources on this peer and in the room. */
export class LiveService {
  readonly #c: LiveServiceComponents;
  readonly #init: LiveServiceInit;
  readonly server: LiveServer;
  readonly relay: LiveRelay;
  /** Sources captured in this peer's windows and pushed here already encoded. */
  readonly capture: CaptureSources;
  /** The covers of what the room's sources play, for this peer's windows. */
  readonly covers: LiveCovers;
  #locals: Local[] = [];
  readonly #remote = new Map<string, LiveSourceAnnounce[]>();
  #delayMs: number;
  #controller: AbortController | null = null;
  #announceTimer: NodeJS.Timeout | null = null;
  #changed: (() => void) | null = null;

  readonly #log: Logger;

  constructor(components: LiveServiceComponents, init: LiveServiceInit = {}) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:live');
    this.#init = init;
    this.#delayMs = init.delayMs ?? 300;
    this.server = new LiveServer({
      node: components.node,
      feed: (id) => this.#local(id)?.feed ?? this.capture.feed(id),
      ...(components.guard ? { guard: components.guard } : {}),
      ...(components.logger ? { logger: components.logger } : {}),
    });
    this.capture = new CaptureSources(
      {
        peerId: components.node.peerId,
        changed: () => this.announce(),
        otherSources: () => this.#locals.length,
        ...(components.logger ? { logger: components.logger } : {}),
      },
      init.capture,
    );
    this.relay = new LiveRelay({
      node: components.node,
      protocol: this.server.protocol,
      ...(components.logger ? { logger: components.logger } : {}),
    });
    this.covers = new LiveCovers(
      {
        node: components.node,
        local: (id) => this.#local(id)?.source?.cover() ?? null,
        remote: (id) => this.#remoteCover(id),
        ...(components.guard ? { guard: components.guard } : {}),
        ...(components.logger ? { logger: components.logger } : {}),
      },
      init.covers,
    );
  }

  /** Calls `listener` whenever the room's list of sources changes. */
  onChange(listener: () => void): void {
    this.#changed = listener;
  }

  /** Starts the protocol, the local sources and the announcements. Idempotent. */
  async start(): Promise<void> {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    await this.server.start();
    await this.covers.start();
    this.#c.subscribe((from, message) => this.#receive(from, message), { signal: controller.signal });
    this.configure(this.#init.uris ?? [], this.#delayMs);
    this.#announceTimer = setInterval(() => this.announce(), this.#init.announceMs ?? 5000);
    this.#announceTimer.unref();
  }

  /** Stops every source and stream. Idempotent. */
  async stop(): Promise<void> {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    controller.abort();
    if (this.#announceTimer) clearInterval(this.#announceTimer);
    for (const l of this.#locals) retireLocal(l, 'the source peer stopped');
    this.capture.stopAll('the source peer stopped');
    this.#locals = [];
    this.relay.stop();
    await this.server.stop();
    await this.covers.stop();
  }

  /**
   * Sets this peer's sources and the live delay. A URI that is already running keeps running; a
   * URI that cannot work is listed as failed with the reason.
   */
  configure(uris: readonly string[], delayMs: number): void {
    const delayChanged = delayMs !== this.#delayMs;
    this.#delayMs = delayMs;
    const next: Local[] = [];
    for (const uri of new Set(uris)) {
      const kept = this.#locals.find((l) => l.uri === uri);
      if (kept) {
        if (delayChanged) kept.source?.setDelay(delayMs);
        next.push(kept);
      } else
        next.push(
          createLocal(uri, {
            peerId: this.#c.node.peerId,
            selfName: this.#c.selfName(),
            groupNow: () => this.#c.groupNow(),
            logger: this.#c.logger,
            log: this.#log,
            delayMs: this.#delayMs,
            source: this.#init.source,
            changed: () => this.announce(),
          }),
        );
    }
    for (const l of this.#locals) if (!next.includes(l)) retireLocal(l, 'the source was removed');
    this.#locals = next;
    this.announce();
  }

  /** Checks a URI as `configure` would, throwing LiveSourceError with the reason. */
  check(uri: string): void {
    parseSource(uri, this.#c.node.peerId, this.#c.selfName());
  }

  /** Tells the room about this peer's sources. */
  announce(): void {
    if (!this.#controller) return;
    const sources = [
      ...this.#locals.flatMap((l) => (l.source ? [l.source.info()] : [])),
      ...this.capture.announce(),
    ];
    this.#changed?.();
    try {
      const sent = this.#c.publish({ type: 'live:sources', sources });
      if (sent instanceof Promise) sent.catch(() => undefined);
    } catch {
      // No peers subscribed yet: the next announcement goes out in a few seconds.
    }
  }

  /** Forgets the sources of a peer that left. */
  forget(peerId: string): void {
    if (this.#remote.delete(peerId)) this.#changed?.();
  }

  #receive(from: string, message: LiveMessage): void {
    const checked = liveBodyValidators['live:sources'].sources(message.sources, 'sources');
    if (!checked.ok || from === this.#c.node.peerId) return;
    this.#remote.set(from, checked.value);
    this.#changed?.();
  }

  /** The room's sources: this peer's first, then each member's. */
  list(): LiveSourceInfo[] {
    const self = this.#c.node.peerId;
    const own = this.#locals.map((l) => localInfo(l, self, this.#c.selfName()));
    for (const c of this.capture.announce())
      own.push({
        ...c,
        peerId: self,
        peerName: this.#c.selfName(),
        local: true,
        ...this.capture.details(c.sourceId),
      });
    const others: LiveSourceInfo[] = [];
    for (const [peerId, sources] of this.#remote) {
      const peerName = this.#c.memberName(peerId);
      if (peerName === null) continue;
      for (const s of sources) others.push({ ...s, peerId, peerName, local: false });
    }
    return [...own, ...others];
  }

  /** A playable source by id or (case-insensitive) name, or null. */
  find(idOrName: string): LiveSourceRef | null {
    const wanted = idOrName.toLowerCase();
    const all = this.list().filter((s) => !(s.local && s.state === 'failed' && !this.#hasSource(s.sourceId)));
    const hit =
      all.find((s) => s.sourceId === idOrName) ??
      all.find((s) => s.name.toLowerCase() === wanted) ??
      all.find((s) => s.name.toLowerCase().startsWith(wanted));
    return hit ? { sourceId: hit.sourceId, name: hit.name, peerId: hit.peerId } : null;
  }

  #local(sourceId: string): Local | undefined {
    return this.#locals.find((l) => l.source?.spec.sourceId === sourceId);
  }

  #hasSource(sourceId: string): boolean {
    return this.#local(sourceId) !== undefined || this.capture.feed(sourceId) !== null;
  }

  /** Whether a source is in the room now (its peer announced it and is a member, or it is local). */
  available(ref: LiveSourceRef): boolean {
    if (ref.peerId === this.#c.node.peerId) return this.#hasSource(ref.sourceId);
    return (
      this.#c.memberName(ref.peerId) !== null &&
      (this.#remote.get(ref.peerId) ?? []).some((s) => s.sourceId === ref.sourceId)
    );
  }

  /** Whether a source's own peer says it no longer offers it (false while that is unknown). */
  gone(ref: LiveSourceRef): boolean {
    if (ref.peerId === this.#c.node.peerId) return !this.#hasSource(ref.sourceId);
    const announced = this.#remote.get(ref.peerId);
    return announced !== undefined && !announced.some((s) => s.sourceId === ref.sourceId);
  }

  /** A member's source with a cover: its peer and cover id, while the peer is in the room. */
  #remoteCover(sourceId: string): { peerId: string; coverId: string } | null {
    for (const [peerId, sources] of this.#remote) {
      const coverId = sources.find((s) => s.sourceId === sourceId)?.coverId;
      if (coverId && this.#c.memberName(peerId) !== null) return { peerId, coverId };
    }
    return null;
  }

  /** The frames of a source for one window, or null when no such source is known. */
  open(sourceId: string, signal: AbortSignal): AsyncGenerator<Uint8Array> | null {
    const local = this.#local(sourceId);
    if (local) return local.feed.listen(signal);
    const captured = this.capture.feed(sourceId);
    if (captured) return captured.listen(signal);
    for (const [peerId, sources] of this.#remote)
      if (sources.some((s) => s.sourceId === sourceId)) return this.relay.listen(peerId, sourceId, signal);
    return null;
  }

  /** Counters for status. */
  stats() {
    const { server, relay, capture, covers } = this;
    return liveStats({ locals: this.#locals, capture, server, relay, covers });
  }
}
