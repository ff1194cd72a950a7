/**
 * The engine's side of the decoder worker: starts it, hands it the player's port, asks it to probe,
 * open and close tracks, and turns its answers into promises and callbacks. What a track turned out
 * to be (format, rate, duration) is kept for the engine's snapshot.
 */
import type { DecoderToEngine, EngineToDecoder, LiveStreamState, TrackInfo } from '../player/protocol';

/** A failure to fetch or decode a track. */
export class TrackLoadError extends Error {
  override name = 'TrackLoadError';
  constructor(
    readonly trackId: string,
    message: string,
    /** Asking again later may work (the bytes could not be read right now). */
    readonly transient = false,
    /** This decoder cannot read the file; the browser's whole-file decoder may. */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** Where a track's bytes are and how to ask for them. */
export interface TrackLocation {
  trackId: string;
  url: string;
  headers: Record<string, string>;
}

/** What the engine hears from the decoder. */
export interface DecoderEvents {
  /** A track failed to load; `generation` is the play it belonged to (null for a probe). */
  onTrackError(error: TrackLoadError, generation: number | null): void;
  /** The worker itself failed (its script did not load, or it crashed). */
  onWorkerError(message: string): void;
  /** A live stream of `generation` changed state (connecting, playing, stalled, ended). */
  onLive?(generation: number, state: LiveStreamState, detail: string | null): void;
}

/** Drives one decoder worker. */
export class DecoderClient {
  private readonly infos = new Map<string, TrackInfo>();
  private readonly probes = new Map<string, { resolve: () => void; reject: (e: Error) => void }[]>();

  constructor(
    private readonly worker: Worker,
    private readonly events: DecoderEvents,
    private readonly probeTimeoutMs: number,
  ) {
    worker.onmessage = (event: MessageEvent<DecoderToEngine>) => this.onMessage(event.data);
    worker.onerror = (event) => events.onWorkerError(`decoder worker failed: ${event.message}`);
  }

  /** Connects the decoder to the player over their own channel (`port` is the decoder's end). */
  connectPlayer(port: MessagePort): void {
    this.post({ type: 'player-port', port }, [port]);
  }

  /** What the decoder learnt about a track, once it opened it. */
  info(trackId: string): TrackInfo | undefined {
    return this.infos.get(trackId);
  }

  /**
   * Opens a track, reads its header and decodes its first seconds; rejects with a `TrackLoadError` if it
   * cannot be played. Asked of the worker every time, even for a track it opened before: it answers at
   * once from the head it keeps while the track is open, and decodes it again if it has closed the track
   * since (answering from what was learnt before left a replayed track to decode from cold at its start).
   */
  probe(track: TrackLocation, contextRate: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiters = this.probes.get(track.trackId) ?? [];
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      const timer = setTimeout(() => {
        // Only this wait ends: a later answer still settles the others.
        const left = (this.probes.get(track.trackId) ?? []).filter((w) => w !== waiter);
        if (left.length) this.probes.set(track.trackId, left);
        else this.probes.delete(track.trackId);
        reject(new TrackLoadError(track.trackId, 'timed out reading the track', true));
      }, this.probeTimeoutMs);
      waiters.push(waiter);
      this.probes.set(track.trackId, waiters);
      if (waiters.length === 1) this.post({ type: 'probe', ...track, contextRate });
    });
  }

  /**
   * Decodes `track` from `startFrame` on, for the player's segment of `generation`; the decodes of
   * `keep` go on beside it (the playing track's, when this one is placed next), all others end.
   */
  open(
    track: TrackLocation,
    generation: number,
    startFrame: number,
    contextRate: number,
    keep: number[] = [],
  ): void {
    this.post({ type: 'open', generation, ...track, startFrame, contextRate, keep });
  }

  /** Plays the live stream at `url` for the player's segment of `generation` (track frame 0 at `anchorGroupMs`). */
  openLive(
    url: string,
    headers: Record<string, string>,
    generation: number,
    anchorGroupMs: number,
    contextRate: number,
  ): void {
    this.post({ type: 'open-live', generation, url, headers, anchorGroupMs, contextRate });
  }

  /** Stops decoding. */
  close(): void {
    this.post({ type: 'close' });
  }

  terminate(): void {
    this.worker.terminate();
  }

  private post(message: EngineToDecoder, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private onMessage(message: DecoderToEngine): void {
    switch (message.type) {
      case 'info':
        this.infos.set(message.info.trackId, message.info);
        this.settleProbes(message.info.trackId, null);
        break;
      case 'buffered':
        break;
      case 'live':
        this.events.onLive?.(message.generation, message.state, message.detail);
        break;
      case 'error':
      case 'unsupported': {
        const error =
          message.type === 'error'
            ? new TrackLoadError(message.trackId, message.message, message.transient)
            : new TrackLoadError(message.trackId, message.reason, false, true);
        this.settleProbes(message.trackId, error);
        this.events.onTrackError(error, message.generation);
        break;
      }
    }
  }

  private settleProbes(trackId: string, error: Error | null): void {
    const waiters = this.probes.get(trackId);
    this.probes.delete(trackId);
    for (const w of waiters ?? []) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }
}
