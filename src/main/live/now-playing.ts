/**
 * What a live source plays now, where the source says: a radio station's stream title, or what an
 * AirPlay sender plays (title, artist, cover) from shairport-sync's metadata pipe. It goes into the
 * source's announcement; apart from the source's reading of PCM, which it never touches.
 */
import { createHash } from 'node:crypto';
import type net from 'node:net';
import type { LiveSourceAnnounce } from '../../shared/live/sources';
import type { Logger } from '../../shared/logger';
import { openFifo } from './fifo';
import { MetadataParser, NowPlayingFromMetadata, type MetadataNowPlaying } from './shairport-metadata';

/** A live source's now-playing fields; `changed` is called whenever they change. */
export class SourceNowPlaying {
  #title: string | null = null;
  #artist: string | null = null;
  #cover: { mime: string; bytes: Uint8Array; coverId: string } | null = null;
  #metadata: net.Socket | null = null;

  constructor(private readonly changed: () => void) {}

  /** The announcement's now-playing fields, each left out while unknown. */
  fields(): Pick<LiveSourceAnnounce, 'title' | 'artist' | 'coverId'> {
    return {
      ...(this.#title === null ? {} : { title: this.#title }),
      ...(this.#artist === null ? {} : { artist: this.#artist }),
      ...(this.#cover === null ? {} : { coverId: this.#cover.coverId }),
    };
  }

  /** What plays' cover, where the source gives one (AirPlay's PICT), or null. */
  cover(): { mime: string; bytes: Uint8Array } | null {
    return this.#cover;
  }

  /** Sets the title alone (a radio stream's title). */
  setTitle(title: string | null): void {
    if (title === this.#title) return;
    this.#title = title;
    this.changed();
  }

  /** Reads shairport-sync's metadata pipe: what the AirPlay sender plays (title, artist, cover). */
  readMetadata(file: string, log: Logger, sourceName: string): void {
    try {
      this.#metadata = openFifo(file);
    } catch (error) {
      log(`source "${sourceName}": no metadata from ${file}: ${(error as Error).message}`);
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

  /** Stops reading the metadata pipe. */
  stop(): void {
    this.#metadata?.destroy();
    this.#metadata = null;
  }

  #set(now: MetadataNowPlaying): void {
    this.#title = now.title;
    this.#artist = now.title === null ? null : now.artist;
    const { cover } = now;
    this.#cover = cover && {
      ...cover,
      coverId: createHash('sha256').update(cover.bytes).digest('hex').slice(0, 16),
    };
    this.changed();
  }
}
