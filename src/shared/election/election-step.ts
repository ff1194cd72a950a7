/**
 * One step of the Bully election (see `bully.ts` for the rules): the state it builds, the effects it
 * collects, and this peer's own moves: starting and stopping, its timeouts, a priority change,
 * calling an election and declaring itself leader. `bully.ts` adds what a received message does;
 * kept apart so the message rules, the subtle part, read on their own.
 */
import { controlLimits, type ControlDraft } from '../protocol/messages';
import {
  currentLeader,
  knownEpoch,
  outranks,
  type ElectionEffect,
  type ElectionState,
} from './election-state';

/** The state and effects of one step, and the moves this peer makes on its own. */
export class ElectionStep {
  readonly effects: ElectionEffect[] = [];

  constructor(
    public state: ElectionState,
    protected readonly nowMs: number,
  ) {}

  protected set(patch: Partial<ElectionState>): void {
    this.state = { ...this.state, ...patch };
  }

  protected publish(msg: ControlDraft): void {
    this.effects.push({ kind: 'publish', msg });
  }

  protected announceLeader(): void {
    this.effects.push({ kind: 'leader', leader: currentLeader(this.state) });
  }

  protected start(): void {
    if (this.state.phase !== 'stopped') return;
    const { answerTimeoutMs, startupGraceMs } = this.state.timings;
    this.set({ higherAliveAtMs: null });
    this.beginElection(Math.max(answerTimeoutMs, startupGraceMs));
    // Sent before we are connected to anyone, this ELECTION mostly announces us: it answers nobody.
    this.set({ answered: null });
  }

  protected stop(): void {
    const hadLeader = currentLeader(this.state) !== null;
    this.set({ phase: 'stopped', deadlineMs: null });
    if (hadLeader) this.announceLeader();
  }

  protected tick(): void {
    const { phase, deadlineMs, leaderHeardAtMs, timings } = this.state;
    if (phase === 'follower' && this.nowMs >= leaderHeardAtMs + timings.leaderTimeoutMs) this.leaderLost();
    else if (phase === 'electing' && deadlineMs !== null && this.nowMs >= deadlineMs) this.declare();
    else if (phase === 'awaiting' && deadlineMs !== null && this.nowMs >= deadlineMs)
      this.beginElection(timings.answerTimeoutMs);
  }

  protected changePriority(priority: number): void {
    this.set({ self: { ...this.state.self, priority } });
    const { phase, term, self } = this.state;
    // A follower that now outranks its leader takes over, as a higher peer joining would.
    if (phase === 'follower' && term && outranks(self, { peerId: term.leaderId, priority: term.priority })) {
      this.leaderLost();
    }
  }

  protected leaderLost(): void {
    this.set({ phase: 'electing' });
    this.announceLeader();
    this.beginElection(this.state.timings.answerTimeoutMs);
  }

  protected beginElection(waitMs: number): void {
    const { self, term, timings, higherAliveAtMs } = this.state;
    if (higherAliveAtMs !== null && this.nowMs - higherAliveAtMs < timings.coordinatorTimeoutMs) {
      // A higher peer is electing or answering: it will lead, or one above it will.
      this.set({ phase: 'awaiting', deadlineMs: this.nowMs + timings.coordinatorTimeoutMs });
      return;
    }
    const epoch = knownEpoch(this.state);
    this.set({
      phase: 'electing',
      deadlineMs: this.nowMs + waitMs,
      answered: { atMs: this.nowMs, epoch },
    });
    this.publish({
      type: 'election',
      from: self.peerId,
      epoch,
      priority: self.priority,
      leaderId: term && term.epoch === epoch ? term.leaderId : null,
    });
  }

  /** Takes leadership with an epoch above every epoch seen. */
  protected declare(): void {
    const { self } = this.state;
    // The clamp only matters if a peer sent an absurd epoch; it keeps our messages encodable.
    const epoch = Math.min(knownEpoch(this.state) + 1, controlLimits.maxEpoch);
    this.set({
      phase: 'leader',
      epoch,
      maxEpochSeen: epoch,
      term: { leaderId: self.peerId, priority: self.priority, epoch },
      deadlineMs: null,
    });
    this.publish({ type: 'coordinator', from: self.peerId, epoch, priority: self.priority });
    this.announceLeader();
  }

  protected resendCoordinator(): void {
    const { self, epoch } = this.state;
    this.publish({ type: 'coordinator', from: self.peerId, epoch, priority: self.priority });
  }
}
