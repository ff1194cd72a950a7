/**
 * What a live source plays (#22), on its source peer: title, artist and cover, from the source's
 * metadata pipe (shairport-sync's, or the librespot hook's, read by shairport-metadata.ts) or, for a
 * radio, its ICY title. A cover comes as an image (AirPlay's PICT) or as an https URL (librespot's
 * first `COVERS` entry), which is downloaded here (cover-download.ts); either way it is kept with its
 * id, a hash of the image, which the source announces as `coverId` and the room fetches it by
 * (live-covers.ts). A download that fails is logged and counted by reason, and the source shows no
 * cover; a newer URL (the next track) cancels the one still downloading.
 */
import { createHash } from 'node:crypto';
import type net from 'node:net';
import type { Logger } from '../../shared/logger';
import { CoverDownloadError, downloadCover } from './cover-download';
import { openFifo } from './fifo';
import { MetadataParser, NowPlayingFromMetadata, type MetadataNowPlaying } from './shairport-metadata';

/** A live source's cover: the image, its type (read from the bytes) and its id. */
export interface LiveCover {
  mime: string;
  bytes: Uint8Array;
  coverId: string;
}

/** A cover's id: the first 16 hex digits of the image's SHA-256. */
export const liveCoverId = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** Collaborators of SourceNowPlaying. */
export interface SourceNowPlayingComponents {
  /** The source's logger. */
  log: Logger;
  /** What plays changed: announce it. */
  changed(): void;
  /** The fetch cover downloads use (tests route https to a local server). */
  fetch?: typeof fetch;
}

/** What one source plays. */
export class SourceNowPlaying {
  readonly #c: SourceNowPlayingComponents;
  readonly #name: string;
  #title: string | null = null;
  #artist: string | null = null;
  #cover: LiveCover | null = null;
  #coverUrl: string | null = null;
  #download: AbortController | null = null;
  #metadata: net.Socket | null = null;
  /** Cover downloads that failed, by reason. */
  readonly coverFailures: Record<string, number> = {};

  constructor(components: SourceNowPlayingComponents, sourceName: string) {
    this.#c = components;
    this.#name = sourceName;
  }

  /** The announcement's fields for what plays. */
  fields(): { title?: string; artist?: string; coverId?: string } {
    return {
      ...(this.#title === null ? {} : { title: this.#title }),
      ...(this.#artist === null ? {} : { artist: this.#artist }),
      ...(this.#cover === null ? {} : { coverId: this.#cover.coverId }),
    };
  }

  /** The cover of what plays, or null. */
  cover(): LiveCover | null {
    return this.#cover;
  }

  /** Sets the title alone (a radio's StreamTitle). */
  setTitle(title: string | null): void {
    if (title === this.#title) return;
    this.#title = title;
    this.#c.changed();
  }

  /** Reads a metadata pipe (created if missing) until `stop`. */
  readMetadata(file: string): void {
    try {
      this.#metadata = openFifo(file);
    } catch (error) {
      this.#c.log(`source "${this.#name}": no metadata from ${file}: ${(error as Error).message}`);
      return;
    }
    const parser = new MetadataParser();
    const playing = new NowPlayingFromMetadata();
    this.#metadata.on('data', (chunk: Buffer) => {
      for (const item of parser.push(chunk)) {
        const now = playing.take(item);
        if (now !== undefined) this.#set(now);
      }
    });
    this.#metadata.on('error', () => undefined);
  }

  /** Stops reading and downloading. */
  stop(): void {
    this.#metadata?.destroy();
    this.#metadata = null;
    this.#download?.abort();
    this.#download = null;
  }

  #set(now: MetadataNowPlaying): void {
    this.#title = now.title;
    this.#artist = now.title === null ? null : now.artist;
    if (now.coverUrl !== this.#coverUrl) {
      this.#download?.abort();
      this.#download = null;
      this.#coverUrl = now.coverUrl;
      // The last track's cover goes at once; the new one shows once it is here.
      this.#cover = null;
      if (now.coverUrl !== null) void this.#fetch(now.coverUrl);
    }
    if (now.coverUrl === null)
      this.#cover = now.cover && { ...now.cover, coverId: liveCoverId(now.cover.bytes) };
    this.#c.changed();
  }

  async #fetch(url: string): Promise<void> {
    const download = new AbortController();
    this.#download = download;
    try {
      const image = await downloadCover(url, {
        signal: download.signal,
        ...(this.#c.fetch ? { fetch: this.#c.fetch } : {}),
      });
      if (this.#download !== download) return;
      this.#cover = { ...image, coverId: liveCoverId(image.bytes) };
      this.#c.changed();
    } catch (error) {
      if (download.signal.aborted) return;
      const reason = error instanceof CoverDownloadError ? error.reason : 'network';
      this.coverFailures[reason] = (this.coverFailures[reason] ?? 0) + 1;
      this.#c.log(`source "${this.#name}": no cover: ${(error as Error).message}`);
    } finally {
      if (this.#download === download) this.#download = null;
    }
  }
}
