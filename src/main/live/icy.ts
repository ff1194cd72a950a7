/**
 * ICY metadata of internet radio (SHOUTcast, Icecast): asked for with `Icy-MetaData: 1`, a server
 * that has it answers `icy-metaint: N` and puts a metadata block after every N bytes of audio: one
 * length byte (× 16 bytes), then text such as `StreamTitle='Artist - Title';StreamUrl='…';` padded
 * with NULs. The demuxer takes the blocks out of the byte stream, whatever its cuts, so the audio
 * goes to the decoder clean and the title to Now Playing.
 */
import { tidyText } from '../../shared/text/shown-text';

/** Most bytes of audio between blocks a server may ask for (servers use 8 KiB to 64 KiB). */
const MAX_METAINT = 1 << 20;

/** What one push gave: audio bytes and the titles announced in it (in order). */
export interface IcyPieces {
  audio: Uint8Array[];
  titles: (string | null)[];
}

/** Parses `icy-metaint`; null for a missing or unusable value (then the stream has no metadata). */
export function parseMetaInt(header: string | string[] | undefined): number | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n > 0 && n <= MAX_METAINT ? n : null;
}

/** The StreamTitle of a metadata block; null when it has none or an empty one. */
export function streamTitle(block: Uint8Array): string | null {
  // Stations send UTF-8 or Latin-1: UTF-8 where it decodes, Latin-1 otherwise.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(block);
  } catch {
    text = new TextDecoder('latin1').decode(block);
  }
  const m = /StreamTitle='(.*?)';/s.exec(text.replace(/\0+$/, ''));
  const title = tidyText(m?.[1] ?? '').slice(0, 256);
  return title ? title : null;
}

/** Splits an ICY stream into audio and titles. */
export class IcyDemuxer {
  readonly #metaInt: number | null;
  /** Audio bytes left before the next block. */
  #audioLeft: number;
  /** The block being read: its length and what came of it so far. */
  #block: { length: number; bytes: Uint8Array; at: number } | null = null;
  #wantLength = false;

  /** `metaInt`: the server's `icy-metaint`, or null for a stream without metadata. */
  constructor(metaInt: number | null) {
    this.#metaInt = metaInt;
    this.#audioLeft = metaInt ?? Infinity;
  }

  push(chunk: Uint8Array): IcyPieces {
    const out: IcyPieces = { audio: [], titles: [] };
    let at = 0;
    while (at < chunk.length) {
      if (this.#wantLength) {
        const length = chunk[at++]! * 16;
        this.#wantLength = false;
        if (length > 0) this.#block = { length, bytes: new Uint8Array(length), at: 0 };
        else this.#audioLeft = this.#metaInt!;
        continue;
      }
      const block = this.#block;
      if (block) {
        const n = Math.min(block.length - block.at, chunk.length - at);
        block.bytes.set(chunk.subarray(at, at + n), block.at);
        block.at += n;
        at += n;
        if (block.at === block.length) {
          this.#block = null;
          this.#audioLeft = this.#metaInt!;
          out.titles.push(streamTitle(block.bytes));
        }
        continue;
      }
      const n = Math.min(this.#audioLeft, chunk.length - at);
      out.audio.push(chunk.subarray(at, at + n));
      at += n;
      this.#audioLeft -= n;
      if (this.#audioLeft === 0) this.#wantLength = true;
    }
    return out;
  }
}
