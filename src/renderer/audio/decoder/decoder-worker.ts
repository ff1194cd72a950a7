/**
 * The decoder's Web Worker: opens tracks (mediabunny over HTTP byte ranges), decodes the one playing
 * from the frame the engine asks for, and sends its PCM straight to the player's worklet over their
 * own MessageChannel, `windowSec` ahead of the play head the player reports and no further. A play head
 * that leaves the decoded stretch (a re-position, a late join) restarts the decode where it is. Two
 * decodes run side by side while the track placed next is prepared (gapless, crossfade): each follows
 * its own generation's play head.
 */
import type { DecoderToEngine, DecoderToPlayer, EngineToDecoder, PlayheadReport } from '../player/protocol';
import { MediaReadError } from './range-reader';
import { postPcm } from './pcm-post';
import { restartFrame, restartLeadSec } from './restart-lead';
import { DecodePace } from './decode-pace';
import { TrackStream, UnsupportedTrackError, type StereoChunk, type TrackSource } from './track-stream';
import { LiveStream } from './live-stream';
import { HEAD_SEC, TrackHead } from './track-head';
import { warmUp } from './warm-up';

/** The parts of the worker's global scope used here (the renderer's typings are the window's). */
interface WorkerScope {
  postMessage(message: DecoderToEngine): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<EngineToDecoder>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
/** Seconds decoded ahead of the play head. */
const WINDOW_SEC = 10;
/** Decoded seconds after which a start is reported buffered. */
const START_SEC = 1;
/** Opened tracks kept (the current one and the next). */
const KEEP_OPEN = 3;

interface Job {
  generation: number;
  source: TrackSource;
  contextRate: number;
  /** First frame of the current decode run, and the frame after the last one sent. */
  fromFrame: number;
  producedFrame: number;
  restartAt: number | null;
  /** Restarts since the decode was last ahead of the play head (each one restarts further ahead). */
  restarts: number;
  /** How far ahead of the play head the current run started (0 when it started at the head). */
  aheadFrames: number;
}

let playerPort: MessagePort | null = null;
/** Decodes running, by generation: the playing track's and the next one's. */
const jobs = new Map<number, Job>();
/** The player's latest play head of each running generation. */
const playheads = new Map<number, number>();
let wakers: (() => void)[] = [];
const alive = (j: Job): boolean => jobs.get(j.generation) === j;
const headOf = (generation: number): number | undefined => playheads.get(generation);
const wake = (): void => {
  const waiting = wakers;
  wakers = [];
  for (const w of waiting) w();
};
/** The live source playing (#22), if any; a track's `open` or `close` ends it. */
let live: LiveStream | null = null;
const opened = new Map<string, Promise<TrackStream>>();

/** The decoded start of each probed track, kept while it is open (track-head.ts). */
const heads = new Map<string, Promise<TrackHead>>();

/** Decodes and keeps the first `HEAD_SEC` of a track (once while it is open). */
function decodeHead(stream: TrackStream, trackId: string, contextRate: number): Promise<TrackHead> {
  const existing = heads.get(trackId);
  if (existing) return existing;
  const promise = TrackHead.decode(stream, contextRate, HEAD_SEC * contextRate);
  heads.set(trackId, promise);
  promise.catch(() => heads.delete(trackId));
  return promise;
}

/** The chunks of a decode from `fromFrame`: from the probed head when it covers that frame, a fresh decode otherwise. */
async function decodeFrom(
  stream: TrackStream,
  trackId: string,
  fromFrame: number,
  contextRate: number,
): Promise<AsyncIterator<StereoChunk>> {
  const head = await heads.get(trackId)?.catch(() => null);
  const chunks = head?.covers(fromFrame, contextRate)
    ? head.playFrom(fromFrame)
    : stream.chunks(fromFrame, contextRate);
  return chunks[Symbol.asyncIterator]();
}

function post(message: DecoderToEngine): void {
  scope.postMessage(message);
}

function toPlayer(message: DecoderToPlayer): void {
  if (message.type === 'pcm') postPcm(playerPort, message);
  else playerPort?.postMessage(message);
}

/** The opened track, opening it if needed; the oldest beyond `KEEP_OPEN` is closed. */
function openTrack(source: TrackSource): Promise<TrackStream> {
  const existing = opened.get(source.trackId);
  if (existing) {
    opened.delete(source.trackId);
    opened.set(source.trackId, existing);
    return existing;
  }
  const promise = TrackStream.open(source);
  opened.set(source.trackId, promise);
  promise.catch(() => opened.delete(source.trackId));
  while (opened.size > KEEP_OPEN) {
    const [oldest, stream] = opened.entries().next().value!;
    opened.delete(oldest);
    const head = heads.get(oldest);
    heads.delete(oldest);
    void head?.then((h) => h.close()).catch(() => undefined);
    void stream.then((s) => s.close()).catch(() => undefined);
  }
  return promise;
}

/**
 * A read that failed for want of an answer (no connection, 404 while a peer that has it is sought, 5xx)
 * is worth asking again; anything else that is not a read failure means this decoder cannot play the
 * file, and the engine falls back to the browser's whole-file decoder.
 */
function reportFailure(source: TrackSource, generation: number | null, cause: unknown): void {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof MediaReadError) {
    const transient = cause.status === null || cause.status === 404 || cause.status >= 500;
    post({ type: 'error', trackId: source.trackId, generation, message, transient });
  } else {
    const reason = cause instanceof UnsupportedTrackError ? message : `decoding failed: ${message}`;
    post({ type: 'unsupported', trackId: source.trackId, generation, reason });
  }
}

function onPlayhead(report: PlayheadReport): void {
  playheads.delete(report.generation);
  playheads.set(report.generation, report.headFrame);
  // Only the newest few generations matter (a live stream's has no job).
  if (playheads.size > 4) playheads.delete(playheads.keys().next().value!);
  const j = jobs.get(report.generation);
  if (!j) return;
  if (j.restartAt === null) j.restartAt = restartFrame(j, report.headFrame, j.contextRate);
  wake();
}

function nextPlayhead(): Promise<void> {
  return new Promise((resolve) => wakers.push(resolve));
}

/** Ends every decode but those of `keep`. */
function endJobs(keep: readonly number[] = []): void {
  for (const generation of [...jobs.keys()]) {
    if (keep.includes(generation)) continue;
    jobs.delete(generation);
    playheads.delete(generation);
  }
  wake();
}

async function run(j: Job, fromFrame: number): Promise<void> {
  let stream: TrackStream;
  try {
    stream = await openTrack(j.source);
  } catch (cause) {
    if (alive(j)) reportFailure(j.source, j.generation, cause);
    return;
  }
  j.fromFrame = fromFrame;
  j.producedFrame = fromFrame;
  j.restartAt = null;
  const windowFrames = WINDOW_SEC * j.contextRate;
  // The window's first seconds at full speed, the rest at a few times real time (decode-pace.ts).
  const pace = new DecodePace(j.contextRate);
  let buffered = false;
  try {
    const chunks = await decodeFrom(stream, j.source.trackId, fromFrame, j.contextRate);
    for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) {
      if (!alive(j) || j.restartAt !== null) break;
      j.producedFrame = postPcm(playerPort, {
        type: 'pcm',
        generation: j.generation,
        startFrame: chunk.startFrame,
        data: chunk.data,
      });
      const head = headOf(j.generation) ?? fromFrame;
      // The head reached this run and it is ahead of it: the next restart (a seek) starts with the shortest lead.
      if (head >= j.fromFrame && j.producedFrame - head >= restartLeadSec(1) * j.contextRate) j.restarts = 0;
      if (!buffered && j.producedFrame - fromFrame >= START_SEC * j.contextRate) {
        buffered = true;
        post({ type: 'buffered', generation: j.generation, bufferedFrames: j.producedFrame - fromFrame });
      }
      for (;;) {
        if (!alive(j) || j.restartAt !== null) break;
        const head = headOf(j.generation) ?? fromFrame;
        if (j.producedFrame - Math.max(head, fromFrame) <= windowFrames) break;
        await nextPlayhead();
      }
      const waitMs = pace.afterChunk(
        j.producedFrame,
        Math.max(headOf(j.generation) ?? fromFrame, fromFrame),
        performance.now(),
      );
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  } catch (cause) {
    if (alive(j)) reportFailure(j.source, j.generation, cause);
    return;
  }
  if (!alive(j)) return;
  if (j.restartAt !== null) {
    j.restarts++;
    const head = headOf(j.generation) ?? j.restartAt;
    j.aheadFrames = Math.max(0, j.restartAt - head);
    return run(j, j.restartAt);
  }
  if (!buffered)
    post({ type: 'buffered', generation: j.generation, bufferedFrames: j.producedFrame - fromFrame });
  toPlayer({ type: 'end', generation: j.generation, totalFrames: j.producedFrame });
  // Done: the player holds the rest (a later restart of this generation comes with a new open).
  jobs.delete(j.generation);
}

scope.addEventListener('message', (event) => {
  const message = event.data;
  switch (message.type) {
    case 'player-port':
      playerPort = message.port;
      playerPort.onmessage = (e: MessageEvent<PlayheadReport>) => onPlayhead(e.data);
      // The engine has just started: a good moment for the decoder's first-use costs (warm-up.ts).
      void warmUp(48_000);
      break;
    case 'probe': {
      const source = { trackId: message.trackId, url: message.url, headers: message.headers };
      // Ready once its start is decoded: a play from the top then sends PCM at once.
      openTrack(source)
        .then(async (stream) => {
          await decodeHead(stream, source.trackId, message.contextRate);
          post({ type: 'info', info: stream.info });
        })
        .catch((cause: unknown) => reportFailure(source, null, cause));
      break;
    }
    case 'open-live':
      endJobs();
      live?.stop();
      live = new LiveStream(message, {
        toPlayer,
        toEngine: post,
        headFrame: (g) => headOf(g) ?? null,
      });
      break;
    case 'open': {
      live?.stop();
      live = null;
      const source = { trackId: message.trackId, url: message.url, headers: message.headers };
      const j: Job = {
        generation: message.generation,
        source,
        contextRate: message.contextRate,
        fromFrame: message.startFrame,
        producedFrame: message.startFrame,
        restartAt: null,
        restarts: 0,
        aheadFrames: 0,
      };
      // The next track's decode runs beside the playing one's (`keep`); any other open ends the rest.
      endJobs(message.keep ?? []);
      jobs.set(j.generation, j);
      void openTrack(source).then(
        (stream) => post({ type: 'info', info: stream.info }),
        () => undefined,
      );
      void run(j, message.startFrame);
      break;
    }
    case 'close':
      live?.stop();
      live = null;
      endJobs();
      break;
  }
});
