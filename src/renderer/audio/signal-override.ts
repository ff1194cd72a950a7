/**
 * The engine's own signals in place of the room's timeline: the output offset's click train (a click on
 * every second of group time) and the calibration test signals (#23, sweeps at given group times). They
 * play through the same player, clock line and output offset as the music (the PCM comes from
 * `decoder/click-signal.ts` through the feed), so an offset tuned or a delay measured with them is the
 * music's. When they stop, the engine plays the room's timeline where it is now.
 */
import type { GroupTimeSource } from './group-clock';
import type { PlacedSegment } from './player/segment';
import type { TrackFeed } from './track-feed';

/** What plays instead of the room's timeline. */
export type OverrideKind = 'clicks' | 'signal';

/** A calibration plan's signals: from group time `startGroupMs` to `endGroupMs`, a sweep at each of `atGroupMs`. */
export interface TestSignalPlan {
  startGroupMs: number;
  endGroupMs: number;
  atGroupMs: number[];
}

/** What the override needs from the engine. */
export interface OverrideSide {
  groupClock(): GroupTimeSource;
  /** Starts the engine and resumes its context. */
  ready(): Promise<void>;
  /** Starts a play of signal `kind`, frame 0 at `anchorGroupMs`, in place of the room's timeline. */
  play(kind: OverrideKind, anchorGroupMs: number): PlacedSegment;
  feed(): TrackFeed | null;
  /** Plays the room's timeline where it is now. */
  backToRoom(): void;
}

/** Plays the clicks or the test signals in place of the room's timeline; see the file comment. */
export class SignalOverride {
  private current: OverrideKind | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly side: OverrideSide) {}

  /** What plays instead of the room's timeline, or null. */
  get kind(): OverrideKind | null {
    return this.current;
  }

  /** Starts the click train (on), or goes back to the room's timeline (off). Rejects before the group clock has an estimate. */
  async playClicks(on: boolean): Promise<void> {
    await this.side.ready();
    if (!on) return this.backToRoom();
    const now = this.side.groupClock().performanceToGroup(performance.now());
    if (!now) throw new Error('no group time yet: the clock is still starting');
    // Frame 0 on the next whole second of group time but one (time for the first pieces to arrive).
    const segment = this.begin('clicks', (Math.floor(now.groupMs / 1000) + 2) * 1000);
    this.side.feed()?.startClicks(segment.generation, segment);
  }

  /** Plays the plan's test signals, then goes back to the room's timeline. */
  async playTestSignal(plan: TestSignalPlan): Promise<void> {
    await this.side.ready();
    const segment = this.begin('signal', plan.startGroupMs);
    const startsSec = plan.atGroupMs.map((at) => (at - plan.startGroupMs) / 1000);
    this.side.feed()?.startSweeps(segment.generation, segment, startsSec);
    const endAt = this.side.groupClock().groupToPerformance(plan.endGroupMs);
    const waitMs = endAt === null ? plan.endGroupMs - plan.startGroupMs : endAt - performance.now();
    // The last sweep is heard an output latency after it is rendered: wait for it, and then some.
    this.timer = setTimeout(() => void this.backToRoom(), Math.max(0, waitMs) + 500);
  }

  /** Forgets the override without playing anything (the engine stops). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
  }

  /** Starts a play of the engine's own signal, frame 0 at `anchorGroupMs`, in place of the room's timeline. */
  private begin(kind: OverrideKind, anchorGroupMs: number): PlacedSegment {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = kind;
    return this.side.play(kind, anchorGroupMs);
  }

  /** Stops the clicks or signals and plays the room's timeline where it is now. */
  private backToRoom(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.current) return;
    this.current = null;
    this.side.backToRoom();
  }
}
