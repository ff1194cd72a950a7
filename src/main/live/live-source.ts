/**
 * One live source on its source peer: reads PCM from a FIFO (`pipe://`), a program's stdout
 * (`command://`) or an internet radio stream decoded by ffmpeg (`http(s)://`, radio.ts), stamps it
 * in group time (PcmStamper) and emits it in 20 ms packets.
 *
 * - A FIFO is opened read-write and non-blocking, so opening never waits for a writer and a writer
 *   that closes is no end of file: the next writer's data simply carries on (the same as reopening,
 *   without a busy loop while nobody writes). A missing FIFO is created (mkfifo).
 * - A program is restarted when it dies, and a radio stream reconnected when it ends or breaks, after
 *   1 s, doubling to 30 s while it keeps failing (a run of 30 s or more starts the backoff over); the
 *   tail of the program's stderr, or what the station did, goes into the error shown.
 * - No PCM for `stallMs` (2 s) is a stall: `live:stall` lets listeners fade out, and the next data
 *   anchors anew at now + delay.
 * What the source says plays now (a radio title, AirPlay metadata) is `now-playing.ts`.
 */
import type net from 'node:net';
import type { Readable } from 'node:stream';
import type { LiveSourceAnnounce, LiveSourceState } from '../../shared/live/sources';
import { TypedEventTarget } from '../../shared/events';
import { openFifo } from './fifo';
import { startProgram, type LiveRun } from './live-run';
import { startRadio } from './radio';
import { SourceNowPlaying } from './now-playing';
import { PcmStamper, type StampResult, type StampedPcm } from './stamper';
import type { SourceSpec } from './uri';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Collaborators of a LiveSource. */
export interface LiveSourceComponents {
  /** Group time now, ms. */
  groupNow(): number;
  logger?: ComponentLogger;
}

/** Options; each has a default. */
export interface LiveSourceInit {
  delayMs?: number;
  stallMs?: number;
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** Bytes of stderr kept for the error message. */
  stderrTailBytes?: number;
  /** ffmpeg for radio sources (default FIREFLY_FFMPEG or `ffmpeg` on the PATH). */
  ffmpeg?: string;
}

export interface LiveSourceEvents {
  'live:pcm': StampedPcm;
  /** No PCM since `groupMs`: listeners fade out. */
  'live:stall': { groupMs: number };
  'live:state': LiveSourceAnnounce;
}

const STDERR_TAIL_BYTES = 2048;

/** A source peer's live source. */
export class LiveSource {
  readonly events: TypedEventTarget<LiveSourceEvents>;
  readonly spec: SourceSpec;
  readonly #c: LiveSourceComponents;
  readonly #stamper: PcmStamper;
  readonly #stallMs: number;
  readonly #firstBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #stderrTailBytes: number;
  #controller: AbortController | null = null;
  #state: LiveSourceState = 'starting';
  #error: string | null = null;
  #stallTimer: NodeJS.Timeout | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #run: LiveRun | null = null;
  #input: Readable | null = null;
  /** What plays now, where the source says (a radio title, AirPlay metadata). */
  readonly #nowPlaying = new SourceNowPlaying(() => this.events.emit('live:state', this.info()));
  /** Until when (performance time) reading holds back because the stamps ran ahead. */
  #pacedUntilMs = 0;
  readonly #ffmpeg: string | undefined;
  #backoffMs: number;
  /** Times the program was restarted. */
  restarts = 0;

  readonly #log: Logger;

  constructor(spec: SourceSpec, components: LiveSourceComponents, init: LiveSourceInit = {}) {
    this.spec = spec;
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:live');
    this.events = new TypedEventTarget<LiveSourceEvents>(this.#log);
    this.#stamper = new PcmStamper(spec.format, { delayMs: init.delayMs ?? 300 });
    this.#stallMs = init.stallMs ?? 2000;
    this.#firstBackoffMs = init.firstBackoffMs ?? 1000;
    this.#maxBackoffMs = init.maxBackoffMs ?? 30_000;
    this.#stderrTailBytes = init.stderrTailBytes ?? STDERR_TAIL_BYTES;
    this.#backoffMs = this.#firstBackoffMs;
    this.#ffmpeg = init.ffmpeg;
  }

  /** The source as its peer announces it. */
  info(): LiveSourceAnnounce {
    const { sourceId, name, kind } = this.spec;
    return {
      sourceId,
      name,
      kind,
      state: this.#state,
      error: this.#error,
      ...this.#nowPlaying.fields(),
    };
  }

  /** What plays' cover, where the source gives one (AirPlay's PICT), or null. */
  cover(): { mime: string; bytes: Uint8Array } | null {
    return this.#nowPlaying.cover();
  }

  /** Frames read since start. */
  get frames(): number {
    return this.#stamper.frames;
  }

  /** Times the stream was placed anew after the reads or the writer fell behind, and frames dropped as too late. */
  get timing(): { reanchors: number; droppedFrames: number } {
    return { reanchors: this.#stamper.reanchors, droppedFrames: this.#stamper.dropped };
  }

  /** How much longer reading holds back for pacing (ms; 0 when it does not): more PCM is on its way. */
  pacedForMs(): number {
    return Math.max(0, this.#pacedUntilMs - performance.now());
  }

  /** Changes the live delay (the next data anchors anew). */
  setDelay(delayMs: number): void {
    this.#stamper.setDelay(delayMs);
  }

  /** Starts reading. Idempotent. */
  start(): void {
    if (this.#controller) return;
    this.#controller = new AbortController();
    if (this.spec.metadataPipe)
      this.#nowPlaying.readMetadata(this.spec.metadataPipe, this.#log, this.spec.name);
    if (this.spec.kind === 'pipe') this.#openPipe();
    else this.#runWithRestart();
  }

  /** Stops reading, ends the program. Idempotent. */
  stop(): void {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    controller.abort();
    this.#clearStall();
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#input?.destroy();
    this.#input = null;
    this.#nowPlaying.stop();
    this.#run?.stop();
    this.#run = null;
  }

  #setState(state: LiveSourceState, error: string | null): void {
    if (state === this.#state && error === this.#error) return;
    this.#state = state;
    this.#error = error;
    this.events.emit('live:state', this.info());
  }

  #openPipe(): void {
    const file = this.spec.path;
    let socket: net.Socket;
    try {
      socket = openFifo(file);
    } catch (error) {
      this.#setState('failed', `cannot open ${file}: ${(error as Error).message}`);
      return;
    }
    this.#read(socket);
    socket.on('error', (error) => this.#setState('failed', `reading ${file} failed: ${error.message}`));
    socket.on('close', () => {
      if (this.#controller) this.#setState('failed', `${file} closed`);
    });
  }

  #startRun(): LiveRun {
    const { kind, path, args } = this.spec;
    if (kind !== 'http') return startProgram(path, args, this.#stderrTailBytes);
    return startRadio(path, {
      ...(this.#ffmpeg ? { ffmpeg: this.#ffmpeg } : {}),
      onTitle: (title) => this.#nowPlaying.setTitle(title),
    });
  }

  /** Starts the program or the radio stream, and again after a backoff whenever it ends. */
  #runWithRestart(): void {
    const controller = this.#controller;
    if (!controller) return;
    const startedAt = performance.now();
    const run = this.#startRun();
    this.#run = run;
    this.#read(run.output);
    void run.ended.then((why) => {
      if (this.#controller !== controller) return;
      this.#stall();
      if (performance.now() - startedAt >= 30_000) this.#backoffMs = this.#firstBackoffMs;
      const delayMs = this.#backoffMs;
      this.#backoffMs = Math.min(this.#maxBackoffMs, this.#backoffMs * 2);
      const message = `${why}; ${this.spec.kind === 'http' ? 'reconnecting' : 'restarting'} in ${Math.round(delayMs / 1000)} s`;
      this.#setState('failed', message);
      this.#log(`source "${this.spec.name}": ${message}`);
      const timer = setTimeout(() => {
        if (this.#controller !== controller) return;
        this.restarts++;
        this.#runWithRestart();
      }, delayMs);
      controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    });
  }

  /** Reads PCM from `input`, pausing while the stamps run ahead of now + delay. */
  #read(input: Readable): void {
    this.#input = input;
    input.on('data', (chunk: Buffer) => {
      if (!this.#controller) return;
      this.#armStall();
      this.#emit(this.#stamper.push(chunk, this.#c.groupNow()), input);
    });
  }

  /** Sends what the stamper produced; while it holds a stream's first reads, flushes them if no read comes. */
  #emit(result: StampResult, input: Readable): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    if (result.holdingMs > 0)
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = null;
        if (this.#controller) this.#emit(this.#stamper.flush(this.#c.groupNow()), input);
      }, result.holdingMs);
    if (result.packets.length > 0 && this.#state !== 'running') this.#setState('running', null);
    for (const packet of result.packets) this.events.emit('live:pcm', packet);
    if (result.aheadMs > 0) {
      this.#pacedUntilMs = performance.now() + result.aheadMs;
      input.pause();
      setTimeout(() => input.resume(), result.aheadMs);
    }
  }

  #armStall(): void {
    this.#clearStall();
    this.#stallTimer = setTimeout(() => this.#stall(), this.#stallMs);
  }

  #clearStall(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  #stall(): void {
    this.#clearStall();
    const groupMs = this.#stamper.nextGroupMs();
    this.#stamper.reset();
    if (groupMs === null) return;
    if (this.#state === 'running') this.#setState('stalled', `no PCM for ${this.#stallMs / 1000} s`);
    this.events.emit('live:stall', { groupMs });
  }
}
