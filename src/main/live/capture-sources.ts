/**
 * Sources captured in a window of this peer (#22): a microphone or line-in (`getUserMedia`) or, in
 * the desktop app, system audio, encoded and stamped in the window (Opus through WebCodecs, FLAC or PCM)
 * and pushed here over the bridge as frames of the live protocol. The peer checks each frame and
 * publishes it as it is to the source's FrameFeed: members and local windows listen exactly as to
 * a FIFO's source, and there is no second encoder.
 *
 * A window that stops pushing (its tab hidden and throttled, its machine busy) makes the source stall
 * after `stallMs` (a STALL frame: listeners fade out). One that goes away without saying so (closed,
 * crashed) ends it as soon as its connection to the peer goes (the bridge's WebSocket closes, the
 * desktop window is destroyed: the caller's `connection` signal), or after `abandonMs` without frames
 * when the connection stays up (a window that hangs).
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionSignal } from '../../shared/bridge/dispatch';
import { decodeFlacLiveFrame } from '../../shared/live/flac-decode';
import {
  OPUS_SAMPLE_RATE,
  decodeLiveFrame,
  encodeEndFrame,
  encodeStallFrame,
} from '../../shared/live/frames';
import type { LiveSourceAnnounce, LiveSourceState } from '../../shared/live/sources';
import { FrameFeed } from './frame-feed';
import { sourceIdFor, type LiveCodec } from './uri';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** A capture the peer cannot take or does not know; the message says why. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

/** Collaborators. */
export interface CaptureSourcesComponents {
  peerId: string;
  /** Called when a capture starts, changes state or ends. */
  changed(): void;
  /** How many sources this peer has besides its captures (announcements hold 16 at most). */
  otherSources(): number;
  logger?: ComponentLogger;
}

/** Options; each has a default. */
export interface CaptureSourcesInit {
  stallMs?: number;
  abandonMs?: number;
  /** Captures one peer takes at once. */
  maxCaptures?: number;
}

interface Capture {
  sourceId: string;
  name: string;
  codec: LiveCodec;
  feed: FrameFeed;
  state: LiveSourceState;
  error: string | null;
  frames: number;
  /** Group time just after the last frame pushed (where a stall begins). */
  endGroupMs: number | null;
  stallTimer: NodeJS.Timeout | null;
  abandonTimer: NodeJS.Timeout | null;
  /** Stops watching the window's connection. */
  unwatch: (() => void) | null;
}

/** Counts of frames a window pushed that were refused. */
export interface CaptureDropped {
  malformed: number;
  wrongType: number;
}

/** The captures of this peer's windows. */
export class CaptureSources {
  readonly #c: CaptureSourcesComponents;
  readonly #stallMs: number;
  readonly #abandonMs: number;
  readonly #maxCaptures: number;
  readonly #captures = new Map<string, Capture>();
  readonly dropped: CaptureDropped = { malformed: 0, wrongType: 0 };
  /** Slow listeners of captures that have ended. */
  #endedSlowListeners = 0;

  readonly #log: Logger;

  constructor(components: CaptureSourcesComponents, init: CaptureSourcesInit = {}) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:live');
    this.#stallMs = init.stallMs ?? 2000;
    this.#abandonMs = init.abandonMs ?? 15_000;
    this.#maxCaptures = init.maxCaptures ?? 4;
  }

  /**
   * Starts a capture named `name`; its frames come with `push`. `connection`: the window's connection,
   * whose end (the window closed) ends the capture at once rather than after `abandonMs`.
   */
  start(name: string, codec: LiveCodec, connection?: ConnectionSignal): { sourceId: string } {
    if (connection?.aborted) throw new CaptureError('the window asking to share a sound has gone');
    if (this.#captures.size >= this.#maxCaptures)
      throw new CaptureError(
        `this device already shares ${this.#maxCaptures} captured sounds: stop one first`,
      );
    if (this.#captures.size + this.#c.otherSources() >= 16)
      throw new CaptureError('this device already has 16 live sources');
    const sourceId = sourceIdFor(this.#c.peerId, `capture:${randomBytes(8).toString('hex')}`, name);
    const capture: Capture = {
      sourceId,
      name,
      codec,
      feed: new FrameFeed(),
      state: 'starting',
      error: null,
      frames: 0,
      endGroupMs: null,
      stallTimer: null,
      abandonTimer: null,
      unwatch: null,
    };
    if (connection) {
      const gone = () => this.#end(capture, 'the window capturing it closed');
      connection.addEventListener('abort', gone, { once: true });
      capture.unwatch = () => connection.removeEventListener('abort', gone);
    }
    this.#captures.set(sourceId, capture);
    this.#armAbandon(capture);
    this.#log(`capture "${name}" (${sourceId}, ${codec}) started by a window`);
    this.#c.changed();
    return { sourceId };
  }

  /** Publishes frames a window encoded; a frame that is malformed or of the wrong codec is dropped and counted. */
  push(sourceId: string, frames: readonly Uint8Array[]): { accepted: number } {
    const capture = this.#require(sourceId);
    let accepted = 0;
    for (const bytes of frames) {
      const decoded = decodeLiveFrame(bytes);
      if (!decoded.ok) {
        this.dropped.malformed++;
        continue;
      }
      const frame = decoded.value;
      if (frame.type !== capture.codec) {
        this.dropped.wrongType++;
        continue;
      }
      // A FLAC frame is checked whole (CRCs, frame count), so no listener gets one that does not decode.
      if (frame.type === 'flac' && !decodeFlacLiveFrame(frame).ok) {
        this.dropped.malformed++;
        continue;
      }
      const rate = frame.type === 'opus' ? OPUS_SAMPLE_RATE : frame.sampleRate;
      capture.endGroupMs = frame.groupMs + (frame.frameCount * 1000) / rate;
      capture.frames += frame.frameCount;
      capture.feed.publish(bytes);
      accepted++;
    }
    this.#armAbandon(capture);
    if (accepted > 0) {
      this.#armStall(capture);
      this.#setState(capture, 'running', null);
    }
    return { accepted };
  }

  /** Ends a capture: listeners get an END frame. */
  stop(sourceId: string, reason = 'the capture was stopped'): void {
    const capture = this.#require(sourceId);
    this.#end(capture, reason);
  }

  /** Ends every capture (the peer stops). */
  stopAll(reason: string): void {
    for (const capture of [...this.#captures.values()]) this.#end(capture, reason);
  }

  /** The captures as announced to the room. */
  announce(): LiveSourceAnnounce[] {
    return [...this.#captures.values()].map(({ sourceId, name, state, error }) => ({
      sourceId,
      name,
      kind: 'capture',
      state,
      error,
    }));
  }

  /** A capture's listing details (frames, listeners, codec, listeners cut off as too slow), or null. */
  details(
    sourceId: string,
  ): { frames: number; listeners: number; codec: LiveCodec; slowListeners: number } | null {
    const c = this.#captures.get(sourceId);
    return c
      ? {
          frames: c.frames,
          listeners: c.feed.size,
          codec: c.codec,
          slowListeners: c.feed.slowListenersDropped,
        }
      : null;
  }

  /** Listeners of all captures, ended ones included, cut off for falling behind. */
  get slowListeners(): number {
    let n = this.#endedSlowListeners;
    for (const c of this.#captures.values()) n += c.feed.slowListenersDropped;
    return n;
  }

  /** A capture's feed, or null. */
  feed(sourceId: string): FrameFeed | null {
    return this.#captures.get(sourceId)?.feed ?? null;
  }

  /** Captures now. */
  get size(): number {
    return this.#captures.size;
  }

  #require(sourceId: string): Capture {
    const capture = this.#captures.get(sourceId);
    if (!capture) throw new CaptureError(`no capture "${sourceId}" on this device (it ended)`);
    return capture;
  }

  #setState(capture: Capture, state: LiveSourceState, error: string | null): void {
    if (capture.state === state && capture.error === error) return;
    capture.state = state;
    capture.error = error;
    this.#c.changed();
  }

  #armStall(capture: Capture): void {
    if (capture.stallTimer) clearTimeout(capture.stallTimer);
    capture.stallTimer = setTimeout(() => {
      capture.stallTimer = null;
      if (capture.endGroupMs !== null) capture.feed.publish(encodeStallFrame(capture.endGroupMs));
      this.#setState(capture, 'stalled', `no sound from the window for ${this.#stallMs / 1000} s`);
    }, this.#stallMs);
    capture.stallTimer.unref();
  }

  #armAbandon(capture: Capture): void {
    if (capture.abandonTimer) clearTimeout(capture.abandonTimer);
    capture.abandonTimer = setTimeout(
      () => this.#end(capture, `the window capturing it sent nothing for ${this.#abandonMs / 1000} s`),
      this.#abandonMs,
    );
    capture.abandonTimer.unref();
  }

  #end(capture: Capture, reason: string): void {
    if (!this.#captures.delete(capture.sourceId)) return;
    this.#endedSlowListeners += capture.feed.slowListenersDropped;
    if (capture.stallTimer) clearTimeout(capture.stallTimer);
    if (capture.abandonTimer) clearTimeout(capture.abandonTimer);
    capture.unwatch?.();
    capture.feed.publish(encodeEndFrame(reason));
    capture.feed.end();
    this.#log(`capture "${capture.name}" (${capture.sourceId}) ended: ${reason}`);
    this.#c.changed();
  }
}
