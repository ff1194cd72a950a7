/**
 * One of this peer's own live sources (`live-service.ts` keeps the list): made from its URI, either a
 * running LiveSource whose frames go to a FrameFeed that members' streams and local windows listen to,
 * or, for a URI that cannot work, a failed entry that lists the reason. Retiring one stops the source
 * and ends its listeners' streams with the reason.
 */
import type { LiveSourceAnnounce, LiveSourceInfo } from '../../shared/live/sources';
import type { ComponentLogger, Logger } from '../../shared/logger';
import { FrameFeed } from './frame-feed';
import { LiveSource } from './live-source';
import { SourceFrames } from './source-frames';
import { LiveSourceError, parseSource, sourceIdFor } from './uri';

/** A source from this peer's settings or flags. */
export interface Local {
  uri: string;
  source: LiveSource | null;
  /** For a URI that could not be parsed: what to list. */
  failed: LiveSourceAnnounce | null;
  feed: FrameFeed;
  frames: SourceFrames | null;
}

/** Options of each source (tests shorten its timings). */
export interface LocalSourceOptions {
  stallMs?: number;
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** The fetch cover URLs are downloaded with (tests route https to a local server). */
  coverFetch?: typeof fetch;
}

/** What a local source is made with. */
export interface LocalSourceDeps {
  peerId: string;
  selfName: string;
  groupNow(): number;
  logger: ComponentLogger | undefined;
  log: Logger;
  delayMs: number;
  source: LocalSourceOptions | undefined;
  /** The source's state changed: announce it. */
  changed(): void;
}

/** Starts the source `uri` names, or lists it as failed with the reason. */
export function createLocal(uri: string, deps: LocalSourceDeps): Local {
  const feed = new FrameFeed();
  let spec;
  try {
    spec = parseSource(uri, deps.peerId, deps.selfName);
  } catch (error) {
    const message = error instanceof LiveSourceError ? error.message : String(error);
    deps.log(`${message}`);
    const kind = uri.startsWith('command:') ? 'command' : uri.startsWith('http') ? 'http' : 'pipe';
    const failed: LiveSourceAnnounce = {
      sourceId: sourceIdFor(deps.peerId, uri, 'invalid'),
      name: uri.replace(/[^\x20-\x7e]/g, '?').slice(0, 64) || 'invalid',
      kind,
      state: 'failed',
      error: message.slice(0, 512),
    };
    return { uri, source: null, failed, feed, frames: null };
  }
  const source = new LiveSource(
    spec,
    { groupNow: () => deps.groupNow(), ...(deps.logger ? { logger: deps.logger } : {}) },
    { delayMs: deps.delayMs, ...deps.source },
  );
  const frames = new SourceFrames(source, feed);
  source.events.on('live:state', () => deps.changed());
  source.start();
  return { uri, source, failed: null, feed, frames };
}

/** Stops a local source; its listeners' streams end with `reason`. */
export function retireLocal(l: Local, reason: string): void {
  l.source?.stop();
  if (l.frames) l.frames.end(reason);
  else l.feed.end();
}

/** A local source as `GET /api/sources` lists it, with its counters. */
export function localInfo(l: Local, peerId: string, peerName: string): LiveSourceInfo {
  return {
    ...(l.source ? l.source.info() : (l.failed as LiveSourceAnnounce)),
    peerId,
    peerName,
    local: true,
    uri: l.uri,
    frames: l.source?.frames ?? 0,
    listeners: l.feed.size,
    restarts: l.source?.restarts ?? 0,
    ...(l.source?.timing ?? { reanchors: 0, droppedFrames: 0 }),
    slowListeners: l.feed.slowListenersDropped,
    ...(l.source ? { codec: l.source.spec.codec } : {}),
  };
}
