/**
 * shairport-sync's metadata pipe (#22): what an AirPlay sender says about what plays, as a stream of
 * items (`--metadata-enable --metadata-pipename=PIPE`, `-M`):
 *
 *   <item><type>636f7265</type><code>6d696e6d</code><length>5</length>
 *   <data encoding="base64">
 *   SGVsbG8=</data></item>
 *
 * type and code are four ASCII characters in hex; `core`/`minm` is the title, `core`/`asar` the
 * artist, `core`/`asal` the album; `ssnc`/`PICT` the cover (with `--get-coverart`); `ssnc`/`pend`
 * says the sender stopped playing. Firefly's librespot hook adds `ffly`/`curl`: the cover as an https
 * URL (librespot's first `COVERS` entry), which the source peer downloads. The parser takes the stream in any cuts, skips what it cannot read
 * (and counts it), and keeps at most `maxItemBytes` of an unfinished item (default 2 MB of text: a
 * cover of up to 1.5 MB in base64); a larger one is dropped.
 */
import { liveCoverLimits } from '../../shared/live/cover-wire';
import { sniffImageMime, type ImageMime } from '../../shared/swarm/chunk-wire';

/** One item: type and code as four characters, and its data (empty when it has none). */
export interface MetadataItem {
  type: string;
  code: string;
  data: Buffer;
}

const ITEM =
  /<item>\s*<type>([0-9a-fA-F]{8})<\/type>\s*<code>([0-9a-fA-F]{8})<\/code>\s*<length>(\d+)<\/length>(?:\s*<data encoding="base64">([^<]*)<\/data>)?\s*<\/item>/g;

const fourChars = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

/** Splits the pipe's text into items. */
export class MetadataParser {
  #text = '';
  readonly #maxItemBytes: number;
  /** Items or text passed over (malformed, or too large). */
  skipped = 0;

  constructor(maxItemBytes = 2 * 1024 * 1024) {
    this.#maxItemBytes = maxItemBytes;
  }

  /** Adds text; returns the items now complete. */
  push(chunk: Buffer | string): MetadataItem[] {
    this.#text += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const items: MetadataItem[] = [];
    let end = 0;
    ITEM.lastIndex = 0;
    for (let m = ITEM.exec(this.#text); m; m = ITEM.exec(this.#text)) {
      if (this.#text.slice(end, m.index).trim() !== '') this.skipped++;
      items.push({
        type: fourChars(m[1]!),
        code: fourChars(m[2]!),
        data: m[4] ? Buffer.from(m[4].replace(/\s+/g, ''), 'base64') : Buffer.alloc(0),
      });
      end = ITEM.lastIndex;
    }
    this.#text = this.#text.slice(end);
    // What is left is an unfinished item: start over at its next <item> once it grows too large.
    if (this.#text.length > this.#maxItemBytes) {
      this.skipped++;
      const next = this.#text.indexOf('<item>', 1);
      this.#text = next < 0 ? '' : this.#text.slice(next);
    }
    return items;
  }
}

/** What plays, as the metadata says: each null when not known. */
export interface MetadataNowPlaying {
  title: string | null;
  artist: string | null;
  /** The cover (`ssnc`/`PICT`, with `--get-coverart`): a JPEG, PNG, GIF, WebP or BMP image. */
  cover: { mime: ImageMime; bytes: Uint8Array } | null;
  /** Where the cover is to be downloaded from (librespot's cover URL); null with an image or no cover. */
  coverUrl: string | null;
}

/** What plays, from the items: title, artist and cover; all null once the sender stops. */
export class NowPlayingFromMetadata {
  #now: MetadataNowPlaying = { title: null, artist: null, cover: null, coverUrl: null };

  /** Takes an item; returns what plays when that changed, undefined otherwise. */
  take(item: MetadataItem): MetadataNowPlaying | undefined {
    const before = this.#now;
    const next = { ...before };
    if (item.type === 'core' && item.code === 'minm') next.title = text(item.data);
    else if (item.type === 'core' && item.code === 'asar') next.artist = text(item.data);
    else if (item.type === 'ssnc' && item.code === 'PICT')
      [next.cover, next.coverUrl] = [image(item.data), null];
    else if (item.type === 'ffly' && item.code === 'curl')
      [next.cover, next.coverUrl] = [null, url(item.data)];
    else if (item.type === 'ssnc' && item.code === 'pend')
      next.title = next.artist = next.cover = next.coverUrl = null;
    else return undefined;
    const same =
      next.title === before.title &&
      next.artist === before.artist &&
      next.coverUrl === before.coverUrl &&
      (next.cover === before.cover ||
        Buffer.compare(next.cover?.bytes ?? EMPTY, before.cover?.bytes ?? EMPTY) === 0);
    if (same) return undefined;
    this.#now = next;
    return next;
  }
}

const EMPTY = new Uint8Array(0);

const text = (data: Buffer): string | null => {
  const value = data.toString('utf8').trim().slice(0, 200);
  return value === '' ? null : value;
};

/** A cover URL from a `curl` item; null for an empty one (no cover) or one too long to be real. */
const url = (data: Buffer): string | null => {
  const value = data.toString('utf8').trim();
  return value === '' || value.length > 2048 ? null : value;
};

/** A cover from a PICT item; null for an empty one (no cover) or bytes that are no image (dropped). */
function image(data: Buffer): MetadataNowPlaying['cover'] {
  const mime = sniffImageMime(data);
  return mime && data.length <= liveCoverLimits.maxCoverBytes ? { mime, bytes: new Uint8Array(data) } : null;
}
