/** The live service's counters for status (`/api/status` `dropped.live.*`, the REPL's `debug`). */
import type { CaptureSources } from './capture-sources';
import type { LiveCovers } from './live-covers';
import type { LiveRelay } from './live-relay';
import type { LiveServer } from './live-server';
import type { Local } from './local-live-source';
import { pcmTranscodeStats } from './pcm-transcode';

/** The parts of the live service that count. */
export interface LiveCounted {
  locals: readonly Local[];
  capture: CaptureSources;
  server: LiveServer;
  relay: LiveRelay;
  covers: LiveCovers;
}

const prefixed = (prefix: string, counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).flatMap(([k, v]) => (v > 0 ? [[`${prefix}${k}`, v]] : [])));

/** Counters of the live service; `dropped` holds rejected input and failures by reason. */
export function liveStats({ locals, capture, server, relay, covers }: LiveCounted) {
  const slow = locals.reduce((n, l) => n + l.feed.slowListenersDropped, 0) + capture.slowListeners;
  const serverStats = server.stats();
  const relayStats = relay.stats();
  const coverDownloads: Record<string, number> = {};
  for (const l of locals)
    for (const [k, v] of Object.entries(l.source?.nowPlaying.coverFailures ?? {}))
      coverDownloads[k] = (coverDownloads[k] ?? 0) + v;
  return {
    server: serverStats,
    relay: relayStats,
    covers: covers.stats(),
    dropped: {
      ...prefixed('serve.', serverStats.dropped),
      ...prefixed('relay.', relayStats.dropped),
      ...(slow > 0 ? { slowListeners: slow } : {}),
      ...prefixed('capture.', { ...capture.dropped }),
      ...prefixed('cover.', covers.stats().dropped),
      ...prefixed('coverDownload.', coverDownloads),
      ...(pcmTranscodeStats.undecodable > 0 ? { undecodableOpus: pcmTranscodeStats.undecodable } : {}),
      ...(pcmTranscodeStats.undecodableFlac > 0
        ? { undecodableFlac: pcmTranscodeStats.undecodableFlac }
        : {}),
    },
  };
}
