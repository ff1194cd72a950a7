/**
 * Bully leader election as a pure state machine: `electionStep(state, event, nowMs)` returns the
 * next state and the effects to carry out. Everything travels as a broadcast on the control topic.
 * This file is what a received message does; the step's state and effects and this peer's own
 * moves (start, stop, timeouts, electing, declaring) are `election-step.ts`.
 *
 * Peers are ranked by (priority, peer id): higher priority wins, and between equal priorities
 * the greater peer id string wins.
 *
 * Epochs. Each accepted leadership is a term (leader, epoch). A peer's `epoch` is the epoch of the
 * last term it accepted; leadership claims (COORDINATOR, a leader's heartbeat) below it are stale
 * and dropped. A peer only ever switches to a different leader at a strictly higher epoch, so no
 * peer accepts two leaders for one epoch. A new leader takes the highest epoch it knows of, plus
 * one; every message that is not a claim carries the highest epoch its sender knows, so that
 * knowledge spreads. Without loss or partitions no two peers ever claim the same epoch (the
 * simulation checks it); with them two sides can, and the rules below resolve it to one leader
 * at a fresh epoch once they hear each other.
 *
 * Rules, beyond textbook Bully:
 * - A peer that starts sends ELECTION at once but waits `startupGraceMs` (longer than a heartbeat
 *   period) before claiming, so it hears the room's current epoch and leader first.
 * - ELECTION and ANSWER are not claims and count whatever their epoch: they prove a higher peer
 *   alive. An ELECTION from a lower peer is answered (the ANSWER teaches a restarted peer the
 *   epoch), and a leader also re-sends COORDINATOR, so a lower peer that lost track of a live
 *   leader gets it back without a new term.
 * - When a leader dies all its followers miss it at about the same time, and answering each
 *   candidate above which a peer ranks would take N²/2 ANSWERs. But every message is a broadcast,
 *   so one ELECTION or ANSWER tells every lower candidate that a higher peer is alive:
 *   - A candidate takes an ANSWER from any higher peer as its own, whoever it names.
 *   - A peer that sent an ELECTION or ANSWER less than `coordinatorTimeoutMs` ago does not answer
 *     a lower ELECTION (a leader always does) that is not newer on epochs than what it sent and
 *     names the leader its sender lost (so the sender was in the room before, not just started).
 *   - A peer that heard an ELECTION or ANSWER from a higher peer less than `coordinatorTimeoutMs`
 *     ago, not older on epochs than what it knew, waits for a COORDINATOR instead of electing.
 *   So a lower candidate hears the message it is not answered for while it elects (and counts it),
 *   or heard it before and then does not elect. A peer that has just started may have missed it,
 *   so its ELECTION (which names no leader) is always answered; and its own first ELECTION, sent
 *   before it is connected to anyone, answers nobody. The epoch conditions keep every newer epoch
 *   travelling (in an ELECTION or an ANSWER), so no new leader reuses one.
 * - A follower that hears a lower peer elect because their common leader is silent, and has
 *   itself missed a heartbeat of that leader, elects at once: its ELECTION answers every lower
 *   candidate in one message, and the election reaches the top sooner.
 * - An ELECTION from a higher peer counts as an ANSWER (the sender is alive and will lead), and a
 *   leader that hears one stands down to wait for its COORDINATOR rather than race it to a new
 *   epoch. This covers peers that start at nearly the same time and miss each other's ELECTION.
 * - A leader bumps its epoch (re-asserts) when it hears a lower peer claim leadership at an epoch
 *   not below its own, or an ELECTION showing the sender knows a newer epoch or a different leader
 *   at the same epoch: after a partition heals the higher leader wins with a fresh epoch.
 * - A leader that hears a higher leader claim its own epoch stands down and waits for that leader
 *   to re-assert at a higher epoch.
 * - A follower whose leader's heartbeat says it no longer leads, or whom membership reports gone
 *   (`leave`), elects at once instead of waiting for `leaderTimeoutMs`.
 */
import type { ControlMessage, ControlMessageOf } from '../protocol/messages';
import {
  knownEpoch,
  outranks,
  type ElectionEvent,
  type ElectionState,
  type ElectionStepResult,
  type Rank,
} from './election-state';
import { ElectionStep } from './election-step';

/** Advances the election by one event. */
export function electionStep(state: ElectionState, event: ElectionEvent, nowMs: number): ElectionStepResult {
  const run = new BullyStep(state, nowMs);
  run.handle(event);
  return { state: run.state, effects: run.effects };
}

/** A step that also handles received messages, by the rules above. */
class BullyStep extends ElectionStep {
  handle(event: ElectionEvent): void {
    if (event.kind === 'start') return this.start();
    if (event.kind === 'priority') return this.changePriority(event.priority);
    if (event.kind === 'epochSeen') {
      if (event.epoch > this.state.maxEpochSeen) this.set({ maxEpochSeen: event.epoch });
      return;
    }
    if (this.state.phase === 'stopped') return;
    switch (event.kind) {
      case 'stop':
        return this.stop();
      case 'tick':
        return this.tick();
      case 'message':
        return this.message(event.msg);
      case 'memberLeft':
        if (this.state.phase === 'follower' && this.state.term?.leaderId === event.peerId) this.leaderLost();
        return;
    }
  }

  private message(msg: ControlMessage): void {
    if (msg.from === this.state.self.peerId) return;
    if (
      (msg.type === 'election' || msg.type === 'answer') &&
      outranks({ peerId: msg.from, priority: msg.priority }, this.state.self) &&
      msg.epoch >= knownEpoch(this.state)
    ) {
      this.set({ higherAliveAtMs: this.nowMs });
    }
    if (msg.epoch > this.state.maxEpochSeen) this.set({ maxEpochSeen: msg.epoch });
    switch (msg.type) {
      case 'election':
        return this.onElection(msg);
      case 'answer':
        return this.onAnswer(msg);
      case 'coordinator':
        return this.onClaim(msg.from, msg.priority, msg);
      case 'heartbeat':
        return this.onHeartbeat(msg);
      default:
        return;
    }
  }

  private dropStale(msg: ControlMessage): void {
    this.effects.push({ kind: 'drop', reason: 'staleEpoch', from: msg.from, type: msg.type });
  }

  private onHeartbeat(msg: ControlMessageOf<'heartbeat'>): void {
    if (msg.role === 'leader' && msg.leaderId === msg.from) return this.onClaim(msg.from, msg.priority, msg);
    // Our leader saying it no longer leads (it stood down) is as good as its silence.
    const { phase, term, epoch } = this.state;
    if (phase === 'follower' && term?.leaderId === msg.from && msg.epoch >= epoch) this.leaderLost();
  }

  private onElection(msg: ControlMessageOf<'election'>): void {
    const { self, phase, epoch, timings } = this.state;
    const sender: Rank = { peerId: msg.from, priority: msg.priority };
    if (!outranks(self, sender)) {
      // A higher peer is alive and electing: it will lead, or someone above it will. A candidate
      // takes this as an ANSWER, and a leader stands down rather than race it to a new epoch.
      if (phase === 'electing' || phase === 'leader') {
        this.set({ phase: 'awaiting', deadlineMs: this.nowMs + timings.coordinatorTimeoutMs });
        if (phase === 'leader') this.announceLeader();
      }
      return;
    }
    const { term, leaderHeardAtMs, answered } = this.state;
    if (
      phase === 'follower' &&
      term !== null &&
      msg.leaderId === term.leaderId &&
      msg.epoch === term.epoch &&
      this.nowMs - leaderHeardAtMs > 2 * timings.heartbeatMs
    ) {
      // It misses the leader we follow, and we have missed a heartbeat of it too: elect now.
      this.leaderLost();
      if (this.state.phase === 'electing') return;
    }
    if (
      phase !== 'leader' &&
      msg.leaderId !== null &&
      answered !== null &&
      this.nowMs - answered.atMs < timings.coordinatorTimeoutMs &&
      msg.epoch <= answered.epoch
    ) {
      return; // what we sent answers it (see the rules above)
    }
    const answerEpoch = knownEpoch(this.state);
    this.publish({
      type: 'answer',
      from: self.peerId,
      epoch: answerEpoch,
      to: msg.from,
      priority: self.priority,
    });
    this.set({ answered: { atMs: this.nowMs, epoch: answerEpoch } });
    if (phase !== 'leader') return;
    const senderKnowsNewer =
      msg.epoch > epoch || (msg.epoch === epoch && msg.leaderId !== null && msg.leaderId !== self.peerId);
    if (senderKnowsNewer) this.reassert();
    else this.resendCoordinator();
  }

  private onAnswer(msg: ControlMessageOf<'answer'>): void {
    const { self, phase, timings } = this.state;
    // Whoever it names, it shows a higher peer alive, that will lead or hand over to one that will.
    if (phase !== 'electing' || !outranks({ peerId: msg.from, priority: msg.priority }, self)) return;
    this.set({ phase: 'awaiting', deadlineMs: this.nowMs + timings.coordinatorTimeoutMs });
  }

  /** A COORDINATOR, or a heartbeat from a peer that says it leads. */
  private onClaim(claimantId: string, priority: number, msg: ControlMessage): void {
    const { self, phase, epoch, term, timings } = this.state;
    if (msg.epoch < epoch) return this.dropStale(msg);
    const claimant: Rank = { peerId: claimantId, priority };

    if (outranks(claimant, self)) {
      if (term && msg.epoch === term.epoch) {
        if (term.leaderId === claimantId) {
          const wasLive = phase === 'follower';
          this.set({
            phase: 'follower',
            leaderHeardAtMs: this.nowMs,
            deadlineMs: null,
            term: { ...term, priority },
          });
          if (!wasLive) this.announceLeader();
        } else if (phase === 'leader') {
          // Two leaders at one epoch (a partition healed): stand down without accepting the
          // other at this epoch; it re-asserts at a higher one once it hears our claim.
          this.set({ phase: 'awaiting', deadlineMs: this.nowMs + timings.coordinatorTimeoutMs });
          this.announceLeader();
        }
        return;
      }
      this.set({
        phase: 'follower',
        epoch: msg.epoch,
        term: { leaderId: claimantId, priority, epoch: msg.epoch },
        leaderHeardAtMs: this.nowMs,
        deadlineMs: null,
      });
      this.announceLeader();
      return;
    }

    // The claimant is below us.
    if (phase === 'leader') return this.reassert();
    if (phase === 'follower' && term?.leaderId === claimantId) {
      // Our own leader now ranks below us (its priority dropped): take over.
      this.leaderLost();
    }
    // A follower leaves a lower claimant to its (higher) leader; a candidate is already electing.
  }

  /** Leads on under a fresh epoch above everything seen. */
  private reassert(): void {
    this.declare();
  }
}
