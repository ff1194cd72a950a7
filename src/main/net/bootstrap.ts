import { setTimeout as delay } from 'node:timers/promises';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Libp2p, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { err, ok } from '../../shared/result';
import type { Result } from '../../shared/result';
import { explainDialError } from './event-log';
import type { DialFailureReason, NetEventLog } from './event-log';
import type { ComponentLogger } from '../../shared/logger';

/** A parsed `--bootstrap` entry. */
export interface BootstrapTarget {
  /** What the user wrote. */
  readonly text: string;
  readonly addr: Multiaddr;
  /** Peer id named in the address (`/p2p/…`), if any. */
  readonly peerId: string | null;
}

/** Where one bootstrap entry stands, for `debug` and status. */
export interface BootstrapStatus {
  target: string;
  /** Named in the address, or learnt from the first successful dial. */
  peerId: string | null;
  connected: boolean;
  /** Failed dials since the last success. */
  failures: number;
  lastError: { reason: DialFailureReason; message: string; atMs: number } | null;
  /** True when the entry is this peer's own address, which is skipped. */
  self: boolean;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Parses `host:port`, `[v6]:port` or a multiaddr (with or without `/p2p/<id>`). */
export function parseBootstrapAddress(input: string): Result<BootstrapTarget> {
  const text = input.trim();
  if (text === '') return err('empty bootstrap address');
  let addr: Multiaddr;
  if (text.startsWith('/')) {
    try {
      addr = multiaddr(text);
    } catch (error) {
      return err(`not a multiaddr: ${text} (${(error as Error).message})`);
    }
  } else {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s/]+)):(\d{1,5})$/.exec(text);
    const port = match ? Number(match[3]) : NaN;
    if (!match || !Number.isInteger(port) || port < 1 || port > 65535)
      return err(`expected host:port or a multiaddr, got ${text}`);
    const host = match[1] ?? match[2] ?? '';
    const hostPart =
      match[1] !== undefined
        ? `/ip6/${host}`
        : host === 'localhost'
          ? '/ip4/127.0.0.1'
          : IPV4.test(host)
            ? `/ip4/${host}`
            : `/dns4/${host}`;
    try {
      addr = multiaddr(`${hostPart}/tcp/${port}`);
    } catch (error) {
      return err(`bad bootstrap address ${text} (${(error as Error).message})`);
    }
  }
  const p2p = addr.getComponents().find((component) => component.name === 'p2p')?.value ?? null;
  if (p2p !== null) {
    try {
      peerIdFromString(p2p);
    } catch {
      return err(`bad peer id in ${text}`);
    }
  }
  return ok({ text, addr, peerId: p2p });
}

export interface BootstrapDialerComponents {
  libp2p: Libp2p;
  eventLog: NetEventLog;
  logger: ComponentLogger;
}

export interface BootstrapDialerInit {
  targets: readonly BootstrapTarget[];
  /** First wait after a failed dial. */
  initialBackoffMs?: number;
  /** Longest wait between dials. */
  maxBackoffMs?: number;
  dialTimeoutMs?: number;
}

interface TargetState {
  readonly target: BootstrapTarget;
  peerId: PeerId | null;
  failures: number;
  lastError: BootstrapStatus['lastError'];
  self: boolean;
}

/** Keeps every bootstrap entry connected: dials it, and redials with exponential backoff whenever it is not. */
export class BootstrapDialer {
  private readonly states: TargetState[];
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly dialTimeoutMs: number;
  private controller: AbortController | null = null;

  constructor(
    private readonly components: BootstrapDialerComponents,
    init: BootstrapDialerInit,
  ) {
    this.initialBackoffMs = init.initialBackoffMs ?? 500;
    this.maxBackoffMs = init.maxBackoffMs ?? 10_000;
    this.dialTimeoutMs = init.dialTimeoutMs ?? 5_000;
    this.states = init.targets.map((target) => ({
      target,
      peerId: target.peerId === null ? null : peerIdFromString(target.peerId),
      failures: 0,
      lastError: null,
      self: false,
    }));
  }

  /** Starts one redial loop per entry. */
  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    for (const state of this.states) void this.keepConnected(state, controller.signal);
  }

  /** Stops every loop and any dial in flight. */
  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  /** Where each entry stands. */
  status(): BootstrapStatus[] {
    return this.states.map((state) => ({
      target: state.target.text,
      peerId: state.peerId?.toString() ?? null,
      connected: this.isConnected(state),
      failures: state.failures,
      lastError: state.lastError,
      self: state.self,
    }));
  }

  private isConnected(state: TargetState): boolean {
    return state.peerId !== null && this.components.libp2p.getConnections(state.peerId).length > 0;
  }

  private async keepConnected(state: TargetState, signal: AbortSignal): Promise<void> {
    const { libp2p, eventLog } = this.components;
    const log = this.components.logger.forComponent('firefly:bootstrap');
    let backoffMs = this.initialBackoffMs;
    while (!signal.aborted && !state.self) {
      if (this.isConnected(state) && state.peerId) {
        await waitForDisconnect(libp2p, state.peerId, signal);
        backoffMs = this.initialBackoffMs;
        continue;
      }
      try {
        const connection = await libp2p.dial(state.target.addr, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.dialTimeoutMs)]),
        });
        state.peerId = connection.remotePeer;
        state.failures = 0;
        backoffMs = this.initialBackoffMs;
        eventLog.add({
          kind: 'dial:ok',
          source: 'bootstrap',
          target: state.target.text,
          peerId: connection.remotePeer.toString(),
        });
        continue;
      } catch (error) {
        if (signal.aborted) return;
        const { reason, message } = explainDialError(error);
        if (reason === 'self') {
          state.self = true;
          eventLog.add({
            kind: 'dial:failed',
            source: 'bootstrap',
            target: state.target.text,
            reason,
            message,
          });
          return;
        }
        state.failures += 1;
        const previous = state.lastError;
        state.lastError = { reason, message, atMs: Date.now() };
        eventLog.add({
          kind: 'dial:failed',
          source: 'bootstrap',
          target: state.target.text,
          reason,
          message,
        });
        // Say it once per change of cause, not on every redial.
        if (previous?.reason !== reason) log.warn(`${state.target.text}: ${message}; retrying`);
      }
      await sleep(withJitter(backoffMs), signal);
      backoffMs = Math.min(backoffMs * 2, this.maxBackoffMs);
    }
  }
}

/** Resolves once `peerId` has no connection left, or `signal` aborts. */
export function waitForDisconnect(libp2p: Libp2p, peerId: PeerId, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const listening = new AbortController();
    const done = (): void => {
      listening.abort();
      resolve();
    };
    libp2p.addEventListener(
      'peer:disconnect',
      (event) => {
        if (event.detail.equals(peerId)) done();
      },
      { signal: listening.signal },
    );
    signal.addEventListener('abort', done, { signal: listening.signal });
    // Checked after subscribing, so a disconnect between the caller's check and now is not missed.
    if (signal.aborted || libp2p.getConnections(peerId).length === 0) done();
  });
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the loop checks the signal
  }
}

// ±20 % keeps peers that lost the same bootstrap target from redialling in lockstep.
function withJitter(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}
