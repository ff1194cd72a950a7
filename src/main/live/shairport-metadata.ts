/**
 * shairport-sync's metadata pipe (#22): what an AirPlay sender says about what plays, as a stream of
 * items (`--metadata-enable --metadata-pipename=PIPE`, `-M`):
 *
 *   <item><type>636f7265</type><code>6d696e6d</code><length>5</length>
 *   <data encoding="base64">
 *   SGVsbG8=</data></item>
 *
 * type and code are four ASCII characters in hex; `core`/`minm` is the title, `core`/`asar` the
 * artist, `core`/`asal` the album; `ssnc`/`pend` says the sender stopped playing. The parser takes
 * the stream in any cuts, skips what it cannot read (and counts it), and keeps at most `maxItemBytes`
 * of an unfinished item (a cover sent with `--get-coverart` is large, and is dropped).
 */

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

  constructor(maxItemBytes = 64 * 1024) {
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

/** What plays, from the items: "Artist - Title" (or the title alone), null when nothing does. */
export class NowPlayingFromMetadata {
  #title: string | null = null;
  #artist: string | null = null;

  /** Takes an item; returns the new text when it changed, undefined otherwise. */
  take(item: MetadataItem): string | null | undefined {
    const before = this.text();
    if (item.type === 'core' && item.code === 'minm') this.#title = text(item.data);
    else if (item.type === 'core' && item.code === 'asar') this.#artist = text(item.data);
    else if (item.type === 'ssnc' && item.code === 'pend') this.#title = this.#artist = null;
    else return undefined;
    const after = this.text();
    return after === before ? undefined : after;
  }

  text(): string | null {
    if (!this.#title) return null;
    return this.#artist ? `${this.#artist} - ${this.#title}` : this.#title;
  }
}

const text = (data: Buffer): string | null => {
  const value = data.toString('utf8').trim().slice(0, 200);
  return value === '' ? null : value;
};
