/**
 * `--source` URIs and presets, parsed into what a live source needs. A URI that cannot work is a
 * `LiveSourceError` with a message for the user, raised before anything starts.
 *
 *   pipe:///path/to/fifo?name=Line-in&format=s16le:48000:2
 *   command:///usr/bin/prog?args=-o%20stdout&name=AirPlay&format=s16le:44100:2
 *   airplay | spotify   (presets: shairport-sync and librespot writing PCM to stdout)
 *   http(s)://station/stream#name=Radio&codec=pcm   (internet radio; options after #, the query is the station's)
 *   any of them with &codec=flac or &codec=pcm (lossless; Opus is the default) or &bitrate=96 (Opus kb/s, 16–510)
 */
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSourceId, liveLimits } from '../../shared/live/frames';
import type { LiveSourceKind } from '../../shared/live/sources';
import { showableText } from '../../shared/text/shown-text';
import { writeLibrespotHook } from './librespot-hook';

/** A source that cannot be configured or started; the message says why, for the user. */
export class LiveSourceError extends Error {
  override readonly name = 'LiveSourceError';
}

export type PcmEncoding = 's16le' | 's32le' | 'f32le';

/** The PCM a source writes: encoding, rate and channels (1 or 2). */
export interface PcmFormat {
  encoding: PcmEncoding;
  sampleRate: number;
  channels: 1 | 2;
}

/** A source's configuration. */
export interface SourceSpec {
  sourceId: string;
  kind: LiveSourceKind;
  name: string;
  /** The FIFO (pipe), the program (command) or the station's URL (http). */
  path: string;
  /** The program's arguments (command only). */
  args: string[];
  format: PcmFormat;
  /** How it goes to the room: Opus (default), FLAC (`codec=flac`) or PCM (`codec=pcm`). */
  codec: LiveCodec;
  /** Opus bits per second (`bitrate=` in kb/s, default 128). */
  bitrate: number;
  /** The URI as given, for listings. */
  uri: string;
  /** shairport-sync's metadata pipe (`metadata=/path`): what plays, shown as the source's title. */
  metadataPipe?: string;
}

export type LiveCodec = 'opus' | 'flac' | 'pcm';

const bytesPerSample: Record<PcmEncoding, number> = { s16le: 2, s32le: 4, f32le: 4 };

/** Bytes of one frame (all channels) in `format`. */
export const frameBytes = (format: PcmFormat): number => bytesPerSample[format.encoding] * format.channels;

/** Parses `s16le:48000:2`. */
export function parseFormat(text: string): PcmFormat {
  const [encoding, rate, channels, extra] = text.split(':');
  if (extra !== undefined || !encoding || !rate || !channels)
    throw new LiveSourceError(`format "${text}": expected encoding:rate:channels, e.g. s16le:48000:2`);
  if (encoding !== 's16le' && encoding !== 's32le' && encoding !== 'f32le')
    throw new LiveSourceError(`format "${text}": encoding must be s16le, s32le or f32le`);
  const sampleRate = Number(rate);
  if (
    !Number.isInteger(sampleRate) ||
    sampleRate < liveLimits.minSampleRate ||
    sampleRate > liveLimits.maxSampleRate
  )
    throw new LiveSourceError(
      `format "${text}": rate must be an integer from ${liveLimits.minSampleRate} to ${liveLimits.maxSampleRate}`,
    );
  if (channels !== '1' && channels !== '2')
    throw new LiveSourceError(`format "${text}": channels must be 1 or 2`);
  return { encoding, sampleRate, channels: channels === '1' ? 1 : 2 };
}

/** A source id stable across restarts: which peer, which URI. */
export function sourceIdFor(peerId: string, uri: string, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(`${peerId}\n${uri}`).digest('hex').slice(0, 12);
  const id = slug ? `${slug}-${hash}` : hash;
  return isSourceId(id) ? id : hash;
}

/** Finds a program on PATH; null when it is not there. */
export function which(program: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return null;
}

/**
 * The URI a preset stands for: `airplay` (shairport-sync, an AirPlay receiver named `roomName`,
 * writing 44.1 kHz s16le to stdout) or `spotify` (librespot, a Spotify Connect receiver, pipe back-end
 * on stdout, its `--onevent` hook writing what plays to a metadata pipe). Null when `text` is no preset.
 */
export function presetUri(text: string, roomName: string, envPath?: string): string | null {
  const name = encodeURIComponent(roomName);
  if (text === 'airplay') {
    const program = which('shairport-sync', envPath);
    if (!program)
      throw new LiveSourceError(
        'the airplay source needs shairport-sync: install it (Debian/Ubuntu: apt-get install shairport-sync)',
      );
    // What the sender plays (title, artist) comes through a metadata pipe of this room's own.
    const tag = createHash('sha256').update(roomName).digest('hex').slice(0, 8);
    const metadata = path.join(os.tmpdir(), `firefly-airplay-${tag}.metadata`);
    const args = encodeURIComponent(
      `-u -o stdout -a ${quoteArg(roomName)} -M --metadata-pipename=${quoteArg(metadata)}`,
    );
    return `command://${program}?args=${args}&name=AirPlay&format=s16le:44100:2&metadata=${encodeURIComponent(metadata)}`;
  }
  if (text === 'spotify') {
    const program = which('librespot', envPath);
    if (!program)
      throw new LiveSourceError(
        "the spotify source needs librespot on PATH: install it (cargo install librespot, or your distribution's package) and start the peer again",
      );
    // What plays (title, artists) comes through a metadata pipe, written by librespot's --onevent hook.
    const tag = createHash('sha256').update(roomName).digest('hex').slice(0, 8);
    const metadata = path.join(os.tmpdir(), `firefly-spotify-${tag}.metadata`);
    const hook = writeLibrespotHook(path.join(os.tmpdir(), `firefly-spotify-${tag}.hook`));
    const args = encodeURIComponent(
      `--name ${quoteArg(roomName)} --backend pipe --format S16 --bitrate 320 --initial-volume 100 --onevent ${quoteArg(`${hook} ${metadata}`)}`,
    );
    return `command://${program}?args=${args}&name=${name}%20(Spotify)&format=s16le:44100:2&metadata=${encodeURIComponent(metadata)}`;
  }
  return null;
}

/** Quotes an argument for `splitArgs` when it holds spaces. */
function quoteArg(arg: string): string {
  return /[\s"']/.test(arg) ? `"${arg.replace(/["\\]/g, '\\$&')}"` : arg;
}

/** Splits an argument string on spaces, keeping "double" or 'single' quoted parts together. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(pattern)) {
    args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3] ?? ''));
  }
  return args;
}

/** Parses a `--source` value (a URI or a preset) for the peer `peerId` named `roomName`. */
export function parseSource(text: string, peerId: string, roomName: string, envPath?: string): SourceSpec {
  const uri = presetUri(text, roomName, envPath) ?? text;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new LiveSourceError(
      `source "${text}": not a URI (expected pipe:///path?name=…, command:///program?args=…, airplay or spotify)`,
    );
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return parseRadio(text, url, peerId);
  const kind = url.protocol === 'pipe:' ? 'pipe' : url.protocol === 'command:' ? 'command' : null;
  if (!kind)
    throw new LiveSourceError(
      `source "${text}": ${url.protocol.replace(/:$/, '')} sources are not supported (use pipe://, command://, http(s)://, airplay or spotify)`,
    );
  if (url.host !== '')
    throw new LiveSourceError(`source "${text}": the path must be absolute (${kind}:///path, three slashes)`);
  const file = decodeURIComponent(url.pathname);
  if (!path.isAbsolute(file) || file === '/') throw new LiveSourceError(`source "${text}": no path given`);
  for (const key of url.searchParams.keys())
    if (!['name', 'format', 'args', 'codec', 'bitrate', 'metadata'].includes(key))
      throw new LiveSourceError(
        `source "${text}": unknown parameter "${key}" (name, format, args, codec, bitrate, metadata)`,
      );
  const metadataPipe = url.searchParams.get('metadata');
  if (metadataPipe !== null && !path.isAbsolute(metadataPipe))
    throw new LiveSourceError(
      `source "${text}": metadata must be the absolute path of shairport-sync's metadata pipe`,
    );
  if (kind === 'pipe' && url.searchParams.has('args'))
    throw new LiveSourceError(`source "${text}": args is for command sources`);
  const name = shownName(text, url.searchParams.get('name') ?? path.basename(file));
  const format = parseFormat(url.searchParams.get('format') ?? 's16le:48000:2');
  const args = splitArgs(url.searchParams.get('args') ?? '');
  return {
    sourceId: sourceIdFor(peerId, uri, name),
    kind,
    name,
    path: file,
    args,
    format,
    ...parseCodec(text, url.searchParams),
    uri,
    ...(metadataPipe === null ? {} : { metadataPipe }),
  };
}

/** A radio URI: the station's URL, with Firefly's options in the fragment. */
function parseRadio(text: string, url: URL, peerId: string): SourceSpec {
  const options = new URLSearchParams(url.hash.replace(/^#/, ''));
  for (const key of options.keys())
    if (!['name', 'codec', 'bitrate'].includes(key))
      throw new LiveSourceError(`source "${text}": unknown option "${key}" after # (name, codec, bitrate)`);
  if (url.hostname === '') throw new LiveSourceError(`source "${text}": no host`);
  const station = new URL(url.href);
  station.hash = '';
  const name = shownName(text, options.get('name') ?? url.hostname);
  return {
    sourceId: sourceIdFor(peerId, url.href, name),
    kind: 'http',
    name,
    path: station.href,
    args: [],
    // What ffmpeg writes.
    format: { encoding: 's16le', sampleRate: 48_000, channels: 2 },
    ...parseCodec(text, options),
    uri: url.href,
  };
}

function shownName(text: string, raw: string): string {
  const shown = showableText(raw);
  if (!shown.ok || shown.value.length === 0 || shown.value.length > 64)
    throw new LiveSourceError(`source "${text}": name must be 1 to 64 characters of plain text`);
  return shown.value;
}

function parseCodec(text: string, params: URLSearchParams): { codec: LiveCodec; bitrate: number } {
  const codec = params.get('codec') ?? 'opus';
  if (codec !== 'opus' && codec !== 'flac' && codec !== 'pcm')
    throw new LiveSourceError(`source "${text}": codec must be opus, flac or pcm`);
  const kbps = Number(params.get('bitrate') ?? 128);
  if (!Number.isInteger(kbps) || kbps < 16 || kbps > 510)
    throw new LiveSourceError(`source "${text}": bitrate must be a whole number of kb/s from 16 to 510`);
  return { codec, bitrate: kbps * 1000 };
}
