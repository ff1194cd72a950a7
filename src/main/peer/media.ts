/** Serves a track's bytes, a cover or a live source's frames to a window (`/media/…`). */
import { asPcmFrames } from '../live/pcm-transcode';
import { bytesBody, type MediaBody } from '../http/range';
import { StorageError, type StorageHealth } from '../library/storage-health';
import type { CatalogTrack } from '../swarm/catalog-sync';
import { storedUntil, waitForRange } from '../swarm/arriving-track';
import type { Running } from './running';

/** What MediaService reads from. */
export interface MediaComponents {
  running(): Pick<Running, 'library' | 'covers' | 'fetcher' | 'live'> | null;
  /** A track of the room's catalog (one only other peers hold included). */
  roomTrack(id: string): CatalogTrack | null;
  storage(): StorageHealth | null;
  /** The one fetch of a track that windows read while it arrives (see Downloads.arriving). */
  arriving(trackId: string): Promise<Error | null>;
}

const mimeTypes: Record<string, string> = {
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  vorbis: 'audio/ogg',
  opus: 'audio/ogg',
  pcm: 'audio/wav',
  aac: 'audio/mp4',
  alac: 'audio/mp4',
};

/** The MIME type a browser expects for a codec's usual container. */
export function mimeOf(codec: string): string {
  return mimeTypes[codec] ?? 'application/octet-stream';
}

/** Media for the renderer, in byte ranges. */
export class MediaService {
  constructor(private readonly components: MediaComponents) {}

  /**
   * A track's bytes or cover for the renderer, served in byte ranges (never read whole: a 3-hour
   * file must not sit in memory); null when this peer cannot provide it.
   */
  async media(kind: string, id: string): Promise<MediaBody | null> {
    const running = this.components.running();
    if (!running) return null;
    const { library } = running.library;
    if (kind === 'live-cover') {
      // What a live source plays: its cover (AirPlay's PICT, Spotify's), `id` being the source; a
      // member's source's cover is fetched from its peer once.
      const cover = await running.live.covers.cover(id);
      return cover ? bytesBody(cover.bytes, cover.mime) : null;
    }
    if (kind === 'cover') {
      // A track only others hold has its cover fetched from them the first time it is shown.
      const cover = library.cover(id) ?? (await running.covers.cover(id));
      return cover ? bytesBody(cover.bytes, cover.mime) : null;
    }
    if (kind !== 'track') return null;
    const track = library.get(id) ?? this.components.roomTrack(id);
    if (!track) return null;
    const body: MediaBody = {
      mime: mimeOf(track.codec),
      sizeBytes: track.sizeBytes,
      read: ({ start, end }, { signal }) => library.trackRange(id, start, end, { signal }),
    };
    if (library.isLocal(id) || running.fetcher.isComplete(id)) return body;
    // A track only other peers hold: fetched from the front (first in line), its ranges served as they arrive.
    const { fetcher } = running;
    // A full disk cannot take the chunks: say so at once (507) rather than keep the player waiting.
    const storage = this.components.storage();
    if (storage && !storage.writable) throw new StorageError(storage.state());
    const fetching = this.components.arriving(id);
    const chunks = library.chunkList(id) ?? [];
    const has = (chunkId: string) => library.hasChunk(chunkId);
    return {
      ...body,
      arrival: async (range, options) => {
        // The reader waits for these bytes: they come next, whatever the download's pace.
        fetcher.want(id, range.start, range.end);
        // Its first piece is enough to answer a byte range: the rest is sent as it is stored (`readArriving`).
        const needed = options.whole
          ? range
          : { start: range.start, end: Math.min(range.end, range.start + 1) };
        const arrived = await waitForRange(
          {
            chunks,
            has,
            onChunk: (listener, signal) =>
              fetcher.on('download:chunk', (e) => e.trackId === id && listener(), { signal }),
            onFailed: (listener) => void fetching.then((failure) => failure && listener()),
          },
          needed,
          options,
        );
        // The disk filled up: that is the answer (507), not "ask again".
        const failure = arrived ? null : await Promise.race([fetching, Promise.resolve(null)]);
        if (failure instanceof StorageError) throw failure;
        return arrived;
      },
      storedUntil: (offset) => storedUntil(chunks, has, offset),
    };
  }

  /**
   * The frames of a live source for a window (`GET /media/live/<sourceId>`), or null when unknown;
   * with `codec` 'pcm', Opus decoded into PCM for a window that cannot decode it.
   */
  liveMedia(
    sourceId: string,
    signal: AbortSignal,
    codec: 'pcm' | null = null,
  ): AsyncGenerator<Uint8Array> | null {
    const frames = this.components.running()?.live.open(sourceId, signal) ?? null;
    return frames && codec === 'pcm' ? asPcmFrames(frames) : frames;
  }
}
