/**
 * An internet radio stream as a live source's run (`http(s)://`: Icecast, SHOUTcast; MP3, AAC,
 * Ogg/Opus): the peer asks for ICY metadata, takes the metadata blocks out (icy.ts) and reports each
 * StreamTitle, and pipes the audio through ffmpeg (as the loudness pass does: `ffmpeg` on the PATH or
 * FIREFLY_FFMPEG), which writes 48 kHz stereo s16 for the stamper.
 *
 * The run ends, for LiveSource to start another after a backoff, when the station ends or breaks
 * the stream, sends nothing for `idleMs`, answers other than 200 (redirects are followed), sends
 * something that is not audio, or ffmpeg exits. ffmpeg missing is said as such.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { IcyDemuxer, parseMetaInt } from './icy';
import { endChild, runEnd, textTail, type LiveRun } from './live-run';

/** Options of a radio run. */
export interface RadioInit {
  /** ffmpeg's path (default FIREFLY_FFMPEG or `ffmpeg` on the PATH). */
  ffmpeg?: string;
  /** A new StreamTitle (null: the station cleared it). */
  onTitle(title: string | null): void;
  /** No bytes from the station for this long ends the run (default 15 s). */
  idleMs?: number;
}

const MAX_REDIRECTS = 5;
const AUDIO_TYPES = /^(audio\/|application\/(ogg|octet-stream)|video\/(mp2t|ogg))/i;

/** The ffmpeg arguments: any input on stdin, 48 kHz stereo s16le on stdout, with little buffering. */
export const RADIO_FFMPEG_ARGS = [
  ...['-hide_banner', '-loglevel', 'error', '-fflags', 'nobuffer', '-probesize', '32768'],
  ...['-i', 'pipe:0', '-vn', '-f', 's16le', '-ac', '2', '-ar', '48000', 'pipe:1'],
];

/** Starts one connection to a station. */
export function startRadio(url: string, init: RadioInit): LiveRun {
  const ffmpeg = init.ffmpeg ?? process.env.FIREFLY_FFMPEG ?? 'ffmpeg';
  const child = spawn(ffmpeg, RADIO_FFMPEG_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
  const tail = textTail(child.stderr, 2048);
  let request: http.ClientRequest | null = null;
  const end = runEnd();
  const finish = (why: string) => {
    if (!end.finish(why)) return;
    request?.destroy();
    child.stdin.destroy();
    endChild(child);
  };
  child.on('error', (error: NodeJS.ErrnoException) =>
    finish(
      error.code === 'ENOENT'
        ? `radio needs ffmpeg to decode the stream: ${ffmpeg} not found (install ffmpeg, or set FIREFLY_FFMPEG)`
        : `cannot start ${ffmpeg}: ${error.message}`,
    ),
  );
  child.on('exit', (code, signal) => {
    const text = tail();
    finish(
      `ffmpeg could not decode the stream (${signal ? `killed by ${signal}` : `exit ${code ?? '?'}`})${text ? `: ${text}` : ''}`,
    );
  });
  // A write after ffmpeg went away is an EPIPE: the exit above says why.
  child.stdin.on('error', () => undefined);

  const connect = (target: URL, redirects: number) => {
    const get = target.protocol === 'https:' ? https.get : http.get;
    request = get(
      target,
      {
        headers: { 'Icy-MetaData': '1', 'User-Agent': 'Firefly', Accept: '*/*' },
        timeout: init.idleMs ?? 15_000,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) return finish(`too many redirects from ${target.host}`);
          return connect(new URL(location, target), redirects + 1);
        }
        if (status !== 200) {
          res.resume();
          return finish(`${target.host} answered HTTP ${status}`);
        }
        const type = String(res.headers['content-type'] ?? '');
        if (type && !AUDIO_TYPES.test(type)) {
          res.resume();
          return finish(`${target.host} sent ${type.split(';')[0]}, not an audio stream`);
        }
        const demuxer = new IcyDemuxer(parseMetaInt(res.headers['icy-metaint']));
        res.on('data', (chunk: Buffer) => {
          const { audio, titles } = demuxer.push(chunk);
          for (const title of titles) init.onTitle(title);
          let ok = true;
          for (const piece of audio) ok = child.stdin.write(piece) && ok;
          // ffmpeg (and so the reader, which paces to real time) holds the station back.
          if (!ok) {
            res.pause();
            child.stdin.once('drain', () => res.resume());
          }
        });
        res.on('end', () => finish(`${target.host} ended the stream`));
        res.on('error', (error) => finish(`the stream from ${target.host} broke: ${error.message}`));
      },
    );
    request.on('timeout', () =>
      finish(`no data from ${target.host} for ${(init.idleMs ?? 15_000) / 1000} s`),
    );
    request.on('error', (error) => finish(`cannot reach ${target.host}: ${error.message}`));
  };
  connect(new URL(url), 0);
  return { output: child.stdout, ended: end.ended, stop: () => finish('stopped') };
}
