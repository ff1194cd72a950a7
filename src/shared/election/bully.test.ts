import { describe, expect, it } from 'vitest';
import { encodeControl, sealControl } from '../protocol/codec';
import { controlLimits, type ControlMessage } from '../protocol/messages';
import { electionStep } from './bully';
import {
  createElection,
  currentLeader,
  defaultElectionTimings,
  electionWakeMs,
  outranks,
  type ElectionEffect,
  type ElectionEvent,
  type ElectionState,
} from './election-state';

const T = defaultElectionTimings;
// Peer ids sort A < B < C < D, all at priority 0 unless said otherwise.
const A = 'PeerA';
const B = 'PeerB';
const C = 'PeerC';
const D = 'PeerD';

const env = (from: string, epoch: number) => ({ v: 1, from, epoch, seq: 0 });
const election = (
  from: string,
  epoch: number,
  priority = 0,
  leaderId: string | null = null,
): ControlMessage => ({
  ...env(from, epoch),
  type: 'election',
  priority,
  leaderId,
});
const answer = (from: string, to: string, epoch: number, priority = 0): ControlMessage => ({
  ...env(from, epoch),
  type: 'answer',
  to,
  priority,
});
const coordinator = (from: string, epoch: number, priority = 0): ControlMessage => ({
  ...env(from, epoch),
  type: 'coordinator',
  priority,
});
const heartbeat = (from: string, epoch: number, leaderId: string | null, priority = 0): ControlMessage => ({
  ...env(from, epoch),
  type: 'heartbeat',
  name: from,
  priority,
  addrs: [],
  role: leaderId === from ? 'leader' : leaderId ? 'follower' : 'candidate',
  leaderId,
  clock: null,
  speaker: false,
  download: null,
  periodMs: 250,
});

/** Drives one peer's election and keeps its effects for assertions. */
class Driver {
  effects: ElectionEffect[] = [];
  now = 0;

  constructor(public state: ElectionState) {}

  static of(peerId: string, priority = 0, initialEpoch?: number): Driver {
    return new Driver(
      createElection({ peerId, priority }, initialEpoch === undefined ? {} : { initialEpoch }),
    );
  }

  on(event: ElectionEvent, atMs = this.now): this {
    this.now = atMs;
    const r = electionStep(this.state, event, atMs);
    this.state = r.state;
    this.effects = r.effects;
    return this;
  }

  hear(msg: ControlMessage, atMs = this.now): this {
    return this.on({ kind: 'message', msg }, atMs);
  }

  tick(atMs: number): this {
    return this.on({ kind: 'tick' }, atMs);
  }

  published(): ControlMessage['type'][] {
    return this.effects.flatMap((e) => (e.kind === 'publish' ? [e.msg.type] : []));
  }

  sent<T extends ControlMessage['type']>(type: T) {
    for (const e of this.effects)
      if (e.kind === 'publish' && e.msg.type === type) return e.msg as Extract<typeof e.msg, { type: T }>;
    throw new Error(`nothing of type ${type} published; got ${this.published().join(', ')}`);
  }

  leaderEffects() {
    return this.effects.flatMap((e) => (e.kind === 'leader' ? [e.leader] : []));
  }

  get leader() {
    return currentLeader(this.state);
  }

  /** A started peer that follows `leaderId` at `epoch`. */
  following(leaderId: string, epoch: number, priority = 0): this {
    this.on({ kind: 'start' }, this.now).hear(coordinator(leaderId, epoch, priority));
    expect(this.leader).toEqual({ peerId: leaderId, epoch });
    return this;
  }

  /** A started peer that leads at `epoch` (it starts alone and hears an epoch-1 message first). */
  leading(epoch: number): this {
    this.on({ kind: 'start' }, this.now).on({ kind: 'epochSeen', epoch: epoch - 1 });
    this.tick(this.now + T.startupGraceMs);
    expect(this.leader).toEqual({ peerId: this.state.self.peerId, epoch });
    return this;
  }
}

describe('ranking', () => {
  it('orders by priority, then by peer id', () => {
    expect(outranks({ peerId: A, priority: 2 }, { peerId: D, priority: 1 })).toBe(true);
    expect(outranks({ peerId: D, priority: 1 }, { peerId: A, priority: 2 })).toBe(false);
    expect(outranks({ peerId: D, priority: 1 }, { peerId: A, priority: 1 })).toBe(true);
    expect(outranks({ peerId: A, priority: 1 }, { peerId: A, priority: 1 })).toBe(false);
  });
});

describe('Bully election', () => {
  it('starts with an ELECTION and, unanswered, claims after the startup grace with epoch max seen + 1', () => {
    const d = Driver.of(C).on({ kind: 'start' }, 1000);
    expect(d.sent('election')).toMatchObject({ from: C, epoch: 0, leaderId: null });
    expect(d.state.phase).toBe('electing');
    expect(electionWakeMs(d.state)).toBe(1000 + T.startupGraceMs);

    d.hear(heartbeat(A, 6, null), 1100); // a follower mentions epoch 6: not a claim, but seen
    d.tick(1000 + T.startupGraceMs - 1);
    expect(d.published()).toEqual([]);
    d.tick(1000 + T.startupGraceMs);
    expect(d.sent('coordinator')).toMatchObject({ from: C, epoch: 7 });
    expect(d.leaderEffects()).toEqual([{ peerId: C, epoch: 7 }]);
    expect(d.state.phase).toBe('leader');
    expect(electionWakeMs(d.state)).toBeNull();
  });

  it('start is idempotent', () => {
    const d = Driver.of(C).on({ kind: 'start' }, 0);
    d.on({ kind: 'start' }, 10);
    expect(d.effects).toEqual([]);
    expect(d.state.deadlineMs).toBe(T.startupGraceMs);
  });

  it('waits for a COORDINATOR after an ANSWER, and elects again if none comes', () => {
    const d = Driver.of(B).on({ kind: 'start' }, 0);
    d.hear(answer(A, B, 0), 5); // from a lower peer: bogus, ignored
    expect(d.state.phase).toBe('electing');
    d.hear(answer(C, A, 0), 10); // addressed to another candidate, but it shows C alive all the same
    expect(d.state.phase).toBe('awaiting');
    d.tick(T.startupGraceMs); // the grace no longer matters: we were answered
    expect(d.published()).toEqual([]);
    d.tick(10 + T.coordinatorTimeoutMs);
    expect(d.sent('election')).toMatchObject({ from: B });
    expect(d.state.phase).toBe('electing');
    d.tick(10 + T.coordinatorTimeoutMs + T.answerTimeoutMs);
    expect(d.sent('coordinator')).toMatchObject({ from: B, epoch: 1 });
  });

  it('accepts a higher COORDINATOR while waiting', () => {
    const d = Driver.of(B)
      .on({ kind: 'start' }, 0)
      .hear(answer(C, B, 0), 10)
      .hear(coordinator(D, 1), 50);
    expect(d.leaderEffects()).toEqual([{ peerId: D, epoch: 1 }]);
    expect(d.state.phase).toBe('follower');
  });

  it('answers an ELECTION from a lower peer, and a leader also re-sends its COORDINATOR', () => {
    const follower = Driver.of(C).following(D, 4);
    follower.hear(election(A, 4, 0, D));
    expect(follower.published()).toEqual(['answer']);
    expect(follower.sent('answer')).toMatchObject({ from: C, to: A, epoch: 4 });

    const leader = Driver.of(D).leading(4);
    leader.hear(election(A, 4, 0, D));
    expect(leader.published()).toEqual(['answer', 'coordinator']);
    expect(leader.sent('coordinator').epoch).toBe(4);
    expect(leader.leader).toEqual({ peerId: D, epoch: 4 });
  });

  it('answers even a stale ELECTION: the answer teaches a restarted peer the epoch', () => {
    const leader = Driver.of(D).leading(9);
    leader.hear(election(A, 0));
    expect(leader.sent('answer').epoch).toBe(9);
    expect(leader.sent('coordinator').epoch).toBe(9);

    const restarted = Driver.of(A).on({ kind: 'start' }, 0);
    restarted.hear(answer(D, A, 9), 3).hear(coordinator(D, 9), 4);
    expect(restarted.leader).toEqual({ peerId: D, epoch: 9 });
  });

  it('answers lower candidates once: what it sent answers the others for coordinatorTimeoutMs', () => {
    const d = Driver.of(C).following(D, 4);
    d.hear(election(B, 4, 0, D), 0);
    expect(d.sent('answer')).toMatchObject({ from: C, to: B, epoch: 4 });
    d.hear(heartbeat(D, 4, D), T.coordinatorTimeoutMs - 2);
    d.hear(election(A, 4, 0, D), T.coordinatorTimeoutMs - 1);
    expect(d.published()).toEqual([]);
    // An ELECTION that knows a newer epoch is answered: the room must not lose that epoch.
    d.hear(election(A, 5), T.coordinatorTimeoutMs - 1);
    expect(d.sent('answer')).toMatchObject({ to: A, epoch: 5 });
    d.hear(election(B, 5), 2 * T.coordinatorTimeoutMs);
    expect(d.sent('answer')).toMatchObject({ to: B });
  });

  it('a leader answers every lower ELECTION', () => {
    const leader = Driver.of(D).leading(4);
    leader.hear(election(A, 4, 0, D));
    leader.hear(election(B, 4, 0, D));
    expect(leader.published()).toEqual(['answer', 'coordinator']);
  });

  it('does not elect while a higher peer that knows its epoch elects, and waits for its COORDINATOR', () => {
    const d = Driver.of(B);
    d.now = 1000;
    d.following(D, 2);
    d.hear(election(C, 2, 0, D), 1000 + T.leaderTimeoutMs - 100);
    expect(d.published()).toEqual([]);
    d.tick(1000 + T.leaderTimeoutMs);
    expect(d.published()).toEqual([]);
    expect(d.state.phase).toBe('awaiting');
    d.hear(coordinator(C, 3), 1000 + T.leaderTimeoutMs + 50);
    expect(d.leader).toEqual({ peerId: C, epoch: 3 });

    // A higher ELECTION behind on epochs does not hold it back: its own ELECTION carries the newer epoch.
    const e = Driver.of(B);
    e.now = 1000;
    e.following(D, 2);
    e.hear(election(C, 1), 1000 + T.leaderTimeoutMs - 100);
    e.tick(1000 + T.leaderTimeoutMs);
    expect(e.sent('election')).toMatchObject({ from: B, epoch: 2 });
  });

  it('elects at once when a lower peer misses their common leader and so does it', () => {
    const d = Driver.of(C);
    d.now = 1000;
    d.following(D, 2);
    // The leader was heard lately: the lower peer alone lost it, so it gets an answer.
    d.hear(election(A, 2, 0, D), 1000 + T.heartbeatMs);
    expect(d.published()).toEqual(['answer']);
    expect(d.leader).toEqual({ peerId: D, epoch: 2 });
    d.hear(election(B, 2, 0, D), 1000 + 2 * T.heartbeatMs + 1);
    expect(d.published()).toEqual(['election']);
    expect(d.state.phase).toBe('electing');
    expect(d.leaderEffects()).toEqual([null]);
  });

  it('does not answer a higher peer; a candidate takes its ELECTION as an answer', () => {
    const d = Driver.of(B).on({ kind: 'start' }, 0);
    d.hear(election(C, 0), 20);
    expect(d.published()).toEqual([]);
    expect(d.state.phase).toBe('awaiting');
    expect(d.state.deadlineMs).toBe(20 + T.coordinatorTimeoutMs);
  });

  it('ignores stale messages and reports them', () => {
    const d = Driver.of(B).following(D, 5);
    d.hear(coordinator(C, 4));
    expect(d.effects).toEqual([{ kind: 'drop', reason: 'staleEpoch', from: C, type: 'coordinator' }]);
    d.hear(heartbeat(C, 3, C));
    expect(d.effects).toEqual([{ kind: 'drop', reason: 'staleEpoch', from: C, type: 'heartbeat' }]);
    expect(d.leader).toEqual({ peerId: D, epoch: 5 });
  });

  it('counts an ANSWER from a higher peer whatever its epoch: it proves that peer alive', () => {
    // A higher peer that restarted answers with its old epoch; claiming anyway would race it.
    const candidate = Driver.of(B, 0, 5).on({ kind: 'start' }, 0);
    candidate.hear(answer(C, B, 4), 10);
    expect(candidate.effects).toEqual([]);
    expect(candidate.state.phase).toBe('awaiting');
  });

  it('never goes back to a lower epoch, even for a higher peer', () => {
    const d = Driver.of(A).following(B, 5);
    d.hear(coordinator(D, 3, 10));
    expect(d.leader).toEqual({ peerId: B, epoch: 5 });
    d.hear(coordinator(D, 6, 10));
    expect(d.leader).toEqual({ peerId: D, epoch: 6 });
    expect(d.state.epoch).toBe(6);
  });

  it('never accepts a second leader at the same epoch', () => {
    const d = Driver.of(A).following(B, 5);
    d.hear(coordinator(C, 5));
    expect(d.leader).toEqual({ peerId: B, epoch: 5 });
    expect(d.leaderEffects()).toEqual([]);
  });

  it('detects a silent leader after leaderTimeoutMs and elects', () => {
    const d = Driver.of(B);
    d.now = 1000;
    d.following(C, 2);
    d.hear(heartbeat(C, 2, C), 1200);
    d.tick(1200 + T.leaderTimeoutMs - 1);
    expect(d.leader).toEqual({ peerId: C, epoch: 2 });
    expect(electionWakeMs(d.state)).toBe(1200 + T.leaderTimeoutMs);
    d.tick(1200 + T.leaderTimeoutMs);
    expect(d.leaderEffects()).toEqual([null]);
    expect(d.sent('election')).toMatchObject({ from: B, epoch: 2, leaderId: C });
    d.tick(1200 + T.leaderTimeoutMs + T.answerTimeoutMs);
    expect(d.sent('coordinator').epoch).toBe(3);
  });

  it('takes the leader back at the same epoch if it turns out alive', () => {
    const d = Driver.of(B).following(C, 2);
    d.tick(T.leaderTimeoutMs);
    expect(d.leader).toBeNull();
    d.hear(heartbeat(C, 2, C), T.leaderTimeoutMs + 5);
    expect(d.leaderEffects()).toEqual([{ peerId: C, epoch: 2 }]);
    expect(d.state.phase).toBe('follower');
  });

  it('elects at once when membership says the leader left', () => {
    const d = Driver.of(B).following(C, 2);
    d.on({ kind: 'memberLeft', peerId: A });
    expect(d.effects).toEqual([]);
    d.on({ kind: 'memberLeft', peerId: C });
    expect(d.leaderEffects()).toEqual([null]);
    expect(d.published()).toEqual(['election']);
  });

  it('lets a higher peer that joins take over with a higher epoch', () => {
    const low = Driver.of(B).leading(3);
    const high = Driver.of(D).on({ kind: 'start' }, 0);
    const hello = high.sent('election');
    // The lower leader hears a higher ELECTION: it stands down instead of racing to a new epoch.
    low.hear({ ...hello, v: 1, seq: 0 }, 2);
    expect(low.leaderEffects()).toEqual([null]);
    expect(low.published()).toEqual([]);
    // The newcomer hears the lower leader's heartbeat (epoch 3) but does not follow it.
    high.hear(heartbeat(B, 3, B), 100);
    expect(high.leader).toBeNull();
    high.tick(T.startupGraceMs);
    const claim = high.sent('coordinator');
    expect(claim.epoch).toBe(4);
    low.hear({ ...claim, v: 1, seq: 1 }, T.startupGraceMs + 2);
    expect(low.leader).toEqual({ peerId: D, epoch: 4 });
  });

  it('a follower that outranks its leader after a priority change takes over', () => {
    const d = Driver.of(A).following(B, 2);
    d.on({ kind: 'priority', priority: 5 });
    expect(d.leaderEffects()).toEqual([null]);
    expect(d.sent('election').priority).toBe(5);

    const e = Driver.of(C).following(D, 2);
    // The leader lowered its own priority: its next claim shows it.
    e.hear(heartbeat(D, 2, D, -1));
    expect(e.leaderEffects()).toEqual([null]);
    expect(e.published()).toEqual(['election']);
  });

  describe('after a partition heals', () => {
    it('two leaders at one epoch: the lower stands down, the higher re-asserts above it', () => {
      const low = Driver.of(B).leading(4);
      const high = Driver.of(D).leading(4);

      low.hear(heartbeat(D, 4, D));
      expect(low.leaderEffects()).toEqual([null]);
      expect(low.state.phase).toBe('awaiting');

      high.hear(heartbeat(B, 4, B));
      const claim = high.sent('coordinator');
      expect(claim.epoch).toBe(5);
      expect(high.leaderEffects()).toEqual([{ peerId: D, epoch: 5 }]);

      low.hear({ ...claim, v: 1, seq: 9 });
      expect(low.leader).toEqual({ peerId: D, epoch: 5 });
    });

    it('a lower leader with the higher epoch: the higher leader re-asserts above that epoch', () => {
      const low = Driver.of(B).leading(9);
      const high = Driver.of(D).leading(2);
      high.hear(heartbeat(B, 9, B));
      expect(high.sent('coordinator').epoch).toBe(10);
      low.hear(coordinator(D, 10));
      expect(low.leader).toEqual({ peerId: D, epoch: 10 });
      // The higher leader's old claims are stale to the lower side until then.
      const other = Driver.of(A).following(B, 9);
      other.hear(heartbeat(D, 2, D));
      expect(other.effects).toEqual([{ kind: 'drop', reason: 'staleEpoch', from: D, type: 'heartbeat' }]);
    });

    it('a peer that followed the other side at the same epoch gets the winner at a fresh epoch', () => {
      const high = Driver.of(D).leading(4);
      // A followed B at epoch 4 in the other half; D's re-sent COORDINATOR at 4 would not do.
      high.hear(election(A, 4, 0, B));
      expect(high.sent('coordinator').epoch).toBe(5);
    });
  });

  it('stop leaves the election and announces no leader', () => {
    const d = Driver.of(B).following(C, 2);
    d.on({ kind: 'stop' });
    expect(d.leaderEffects()).toEqual([null]);
    expect(d.state.phase).toBe('stopped');
    d.hear(coordinator(D, 3));
    expect(d.effects).toEqual([]);
    expect(electionWakeMs(d.state)).toBeNull();
  });

  it('never declares an epoch the codec would refuse, whatever epoch a peer sent', () => {
    const d = Driver.of(C).on({ kind: 'start' }, 0);
    d.hear(heartbeat(A, controlLimits.maxEpoch, null), 1);
    d.tick(T.startupGraceMs);
    const claim = d.sent('coordinator');
    expect(claim.epoch).toBe(controlLimits.maxEpoch);
    expect(() => encodeControl(sealControl(claim, 1))).not.toThrow();
  });

  it('takes its timings from the options', () => {
    const s = createElection(
      { peerId: A, priority: 0 },
      { timings: { answerTimeoutMs: 50, startupGraceMs: 10 } },
    );
    expect(s.timings).toEqual({ ...defaultElectionTimings, answerTimeoutMs: 50, startupGraceMs: 10 });
    const r = electionStep(s, { kind: 'start' }, 0);
    expect(r.state.deadlineMs).toBe(50);
  });
});
