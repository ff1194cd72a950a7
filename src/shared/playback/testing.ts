/**
 * Test-data builders for playback states and command contexts, e.g. `aState().playing('t1').at(12).build()`,
 * and applying a command that a test expects to apply (`applied`) or to be refused (`refused`).
 */
import { DEFAULT_LEAD_TIME_MS } from './barrier';
import { initialPlaybackState, type PlaybackCommand, type PlaybackState, type RepeatMode } from './state';
import { applyCommand, type CommandContext } from './commands';

/** The group time builders anchor at unless told otherwise. */
export const BUILDER_NOW_MS = 1_000_000;
export const LEADER_ID = 'PeerLeader1';

/** Builds a playback state step by step. */
export class PlaybackStateBuilder {
  #state: PlaybackState = { ...initialPlaybackState(LEADER_ID), version: 1, epoch: 1 };
  #nowMs = BUILDER_NOW_MS;

  /** Reference group time for `at` and `playing`. */
  now(groupNowMs: number): this {
    this.#nowMs = groupNowMs;
    return this;
  }

  /** Sets the queue. */
  withQueue(...trackIds: string[]): this {
    this.#state = { ...this.#state, queue: trackIds };
    return this;
  }

  /** Makes `trackId` current (adding it to the queue if needed), playing from 0 at the reference time. */
  playing(trackId: string): this {
    let index = this.#state.queue.indexOf(trackId);
    const queue = index >= 0 ? this.#state.queue : [...this.#state.queue, trackId];
    if (index < 0) index = queue.length - 1;
    this.#state = {
      ...this.#state,
      queue,
      currentIndex: index,
      anchor: { groupTimeMs: this.#nowMs, positionSec: 0 },
      paused: false,
      pausedAtSec: null,
    };
    return this;
  }

  /** Puts the current track at `positionSec` at the reference time. */
  at(positionSec: number): this {
    this.#state = this.#state.paused
      ? { ...this.#state, pausedAtSec: positionSec }
      : { ...this.#state, anchor: { groupTimeMs: this.#nowMs, positionSec } };
    return this;
  }

  /** Pauses the current track at its position at the reference time. */
  paused(): this {
    const s = this.#state;
    const pos = s.anchor.positionSec + Math.max(0, this.#nowMs - s.anchor.groupTimeMs) / 1000;
    this.#state = { ...s, paused: true, pausedAtSec: pos };
    return this;
  }

  /** Marks the start as held, anchored at `groupTimeMs`. */
  starting(groupTimeMs: number): this {
    this.#state = {
      ...this.#state,
      starting: true,
      anchor: { groupTimeMs, positionSec: this.#state.anchor.positionSec },
    };
    return this;
  }

  /** Sets the repeat mode. */
  repeat(mode: RepeatMode): this {
    this.#state = { ...this.#state, repeat: mode };
    return this;
  }

  version(version: number): this {
    this.#state = { ...this.#state, version };
    return this;
  }

  epoch(epoch: number): this {
    this.#state = { ...this.#state, epoch };
    return this;
  }

  build(): PlaybackState {
    const s = this.#state;
    return {
      ...s,
      queue: [...s.queue],
      anchor: { ...s.anchor },
      unshuffled: s.unshuffled && [...s.unshuffled],
    };
  }
}

/** A fresh state builder. */
export const aState = (): PlaybackStateBuilder => new PlaybackStateBuilder();

/** A seeded uniform random source (mulberry32), so shuffles in tests are repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A command context over a small library: ids in listing order with their durations (seconds). */
export function aContext(
  library: Record<string, number>,
  over: Partial<CommandContext> = {},
): CommandContext {
  const order = Object.keys(library);
  return {
    leadTimeMs: DEFAULT_LEAD_TIME_MS,
    epoch: 1,
    updatedBy: LEADER_ID,
    trackExists: (id) => Object.hasOwn(library, id),
    durationSec: (id) => library[id] ?? null,
    libraryOrder: () => order,
    ...over,
  };
}

/** Applies `command` with `ctx` at `nowMs` (by default the builders' now). */
const applyAt = (
  state: PlaybackState,
  command: PlaybackCommand,
  ctx: CommandContext,
  nowMs = BUILDER_NOW_MS,
) => applyCommand(state, command, nowMs, ctx);

/** Applies a command (as `applyAt`), failing the test if it is refused. */
export function applied(...args: Parameters<typeof applyAt>): PlaybackState {
  const r = applyAt(...args);
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.value;
}

/** The error a command (as `applyAt`) is refused with, failing the test if it applies. */
export function refused(...args: Parameters<typeof applyAt>): string {
  const r = applyAt(...args);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}
