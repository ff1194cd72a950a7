/**
 * This peer's own playback requests while they wait for the leader's answer: each goes to the
 * leader of the moment (again to the next one when its leader goes), and settles with the state
 * that carries it, the leader's refusal, or a timeout.
 */
import type { PlaybackMessageOf, PlaybackReply } from '../../shared/playback/messages';
import { isNewer, type PlaybackCommand, type PlaybackState } from '../../shared/playback/state';
import type { Result } from '../../shared/result';
import { PlaybackCommandError, PlaybackNoLeaderError, PlaybackTimeoutError } from './errors';
import type { CancelTimer, TimerSet } from './timers';

/** What the waiting requests need from the coordinator. */
export interface LocalRequestsComponents {
  selfId: string;
  leaderId(): string | null;
  /** Whether this peer leads and has finished taking over, so it may apply a command itself. */
  leadsNow(): boolean;
  /** Applies a command as the leader, this peer. */
  applyLocally(command: PlaybackCommand): Result<PlaybackState>;
  /** Sends a command to the leader on the control topic. */
  sendCommand(message: PlaybackMessageOf<'playback:command'>): void;
  /** The newest state this peer has. */
  state(): PlaybackState;
  timers: TimerSet;
  newRequestId(): string;
  /** How long a request waits for the leader's answer. */
  requestTimeoutMs: number;
}

interface LocalRequest {
  requestId: string;
  command: PlaybackCommand;
  /** The leader it went to; null while it waits for one. */
  sentTo: string | null;
  resolve(state: PlaybackState): void;
  reject(error: Error): void;
  cancelTimeout: CancelTimer;
}

/** The requests this peer sent and has no answer to yet. */
export class LocalRequests {
  readonly #c: LocalRequestsComponents;
  readonly #requests = new Map<string, LocalRequest>();

  constructor(components: LocalRequestsComponents) {
    this.#c = components;
  }

  /** Sends `command` to the leader (now, or once there is one); settles as the leader answers. */
  add(command: PlaybackCommand, signal?: AbortSignal): Promise<PlaybackState> {
    return new Promise<PlaybackState>((resolve, reject) => {
      const requestId = this.#c.newRequestId();
      const request: LocalRequest = {
        requestId,
        command,
        sentTo: null,
        resolve,
        reject,
        cancelTimeout: () => {},
      };
      request.cancelTimeout = this.#c.timers.schedule(() => this.#timeOut(request), this.#c.requestTimeoutMs);
      signal?.addEventListener('abort', () => this.#settle(request, signal.reason as Error), { once: true });
      this.#requests.set(requestId, request);
      this.#send(request);
    });
  }

  /** Requests sent to a leader that is gone wait for the next one (which answers those the old one applied). */
  leaderGone(leader: string | null): void {
    for (const request of this.#requests.values()) {
      if (request.sentTo !== null && request.sentTo !== leader && request.sentTo !== this.#c.selfId)
        request.sentTo = null;
    }
  }

  /** Sends every request that waits for a leader to the leader of the moment. */
  sendWaiting(): void {
    for (const request of [...this.#requests.values()]) if (request.sentTo === null) this.#send(request);
  }

  /** This peer stopped leading: the requests it kept for itself wait for the next leader. */
  steppedDown(): void {
    for (const request of this.#requests.values())
      if (request.sentTo === this.#c.selfId) request.sentTo = null;
  }

  /** This peer finished taking over: it applies the requests it kept for itself. */
  runOwn(): void {
    for (const request of [...this.#requests.values()]) {
      if (request.sentTo === this.#c.selfId) this.#runLocally(request);
    }
  }

  /** The leader answered one of this peer's requests in `state`. */
  answered(reply: PlaybackReply, state: PlaybackState): void {
    const request = this.#requests.get(reply.requestId);
    if (!request) return;
    if (reply.error !== null) this.#settle(request, new PlaybackCommandError(reply.error));
    else this.#settle(request, null, isNewer(state, this.#c.state()) ? state : this.#c.state());
  }

  /** Rejects every waiting request with `error`. */
  failAll(error: Error): void {
    for (const request of [...this.#requests.values()]) this.#settle(request, error);
  }

  #send(request: LocalRequest): void {
    const leader = this.#c.leaderId();
    if (leader === null) return;
    request.sentTo = leader;
    if (leader === this.#c.selfId) {
      if (this.#c.leadsNow()) this.#runLocally(request);
      return;
    }
    this.#c.sendCommand({
      type: 'playback:command',
      to: leader,
      requestId: request.requestId,
      command: request.command,
    });
  }

  #runLocally(request: LocalRequest): void {
    const r = this.#c.applyLocally(request.command);
    if (r.ok) this.#settle(request, null, r.value);
    else this.#settle(request, new PlaybackCommandError(r.error));
  }

  #timeOut(request: LocalRequest): void {
    const timeoutMs = this.#c.requestTimeoutMs;
    const error =
      request.sentTo === null
        ? new PlaybackNoLeaderError(
            `no leader in the room to apply "${request.command.kind}" (waited ${timeoutMs} ms)`,
          )
        : new PlaybackTimeoutError(
            `leader ${request.sentTo} did not answer "${request.command.kind}" within ${timeoutMs} ms`,
          );
    this.#settle(request, error);
  }

  #settle(request: LocalRequest, error: Error | null, state?: PlaybackState): void {
    if (!this.#requests.delete(request.requestId)) return;
    request.cancelTimeout();
    if (error) request.reject(error);
    else request.resolve(state ?? this.#c.state());
  }
}
