import { seededRandom } from '../../random';
/**
 * A deterministic simulated room for testing the election: seeded randomness, a fake clock and
 * a priority queue of deliveries. Every message goes through the real codec. Faults: per-message
 * delay, loss, crashes, restarts and partitions.
 */
import { decodeControl, encodeControl, sealControl } from '../../protocol/codec';
import type { LeaderInfo } from '../../status';
import { outranks } from '../election-state';
import {
  createRoom,
  roomEpoch,
  roomLeader,
  roomMembers,
  roomStep,
  roomWakeMs,
  type RoomEffect,
  type RoomEvent,
  type RoomState,
  type RoomTimings,
} from '../room';

export { seededRandom } from '../../random';

type Scheduled =
  | { kind: 'deliver'; to: string; toIncarnation: number; from: string; bytes: Uint8Array }
  | { kind: 'wake'; peer: string; incarnation: number }
  | { kind: 'script'; run: () => void };

interface QueueItem {
  at: number;
  order: number;
  item: Scheduled;
}

class EventQueue {
  private readonly heap: QueueItem[] = [];
  private order = 0;

  push(at: number, item: Scheduled): void {
    const node = { at, order: this.order++, item };
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(node, h[parent] as QueueItem)) break;
      h[i] = h[parent] as QueueItem;
      i = parent;
    }
    h[i] = node;
  }

  pop(): QueueItem | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last;
      if (l < h.length && before(h[l] as QueueItem, best)) {
        m = l;
        best = h[l] as QueueItem;
      }
      if (r < h.length && before(h[r] as QueueItem, best)) {
        m = r;
        best = h[r] as QueueItem;
      }
      if (m === i) break;
      h[i] = best;
      i = m;
    }
    h[i] = last;
    return top;
  }

  get size(): number {
    return this.heap.length;
  }
}

const before = (a: QueueItem, b: QueueItem) => a.at < b.at || (a.at === b.at && a.order < b.order);

export interface SimPeerSpec {
  peerId: string;
  priority: number;
}

interface SimPeer {
  readonly peerId: string;
  priority: number;
  room: RoomState | null;
  incarnation: number;
  seq: number;
  wakeAt: number | null;
  /** What a real peer would persist: the highest epoch it knew. */
  persistedEpoch: number;
  /** The last leader this incarnation accepted, for the per-peer epoch invariant. */
  lastView: LeaderInfo | null;
}

export interface SimOptions {
  seed: number;
  peers: SimPeerSpec[];
  timings?: Partial<RoomTimings>;
  /** Delay of each delivery, drawn per recipient. */
  delayMs?: (random: () => number) => number;
}

/** A leadership declaration seen in the run. */
export interface Declaration {
  peerId: string;
  epoch: number;
  atMs: number;
}

/** Thrown when an invariant fails; carries the time and seed so the run can be replayed. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export class SimNetwork {
  readonly random: () => number;
  nowMs = 0;
  lossRate = 0;
  steps = 0;
  delivered = 0;
  readonly declarations: Declaration[] = [];
  /** Drops reported by the peers, by reason. */
  readonly drops = new Map<string, number>();
  /** Messages the peers published, by type (each counted once, however many peers it reaches). */
  readonly published = new Map<string, number>();
  /** Most peers that considered themselves leader at one moment. */
  maxConcurrentLeaders = 0;
  readonly peers = new Map<string, SimPeer>();
  /** Peers in different groups cannot reach each other. */
  private groups = new Map<string, number>();
  /** Every message lost to `lossRate`: who sent it to whom, and when. */
  readonly losses: { from: string; to: string; atMs: number }[] = [];
  /** Every grouping the run has had, with when it began: the first is everyone together. */
  private readonly groupings: { fromMs: number; groups: Map<string, number> }[] = [];
  private readonly queue = new EventQueue();
  private readonly delayMs: (random: () => number) => number;
  private readonly timings: Partial<RoomTimings>;
  /** Checks run after every step (delivery, tick or scripted action). */
  readonly checks: (() => void)[] = [];
  /** When set, receives one line per step and effect, for replaying a failing seed. */
  trace: ((line: string) => void) | null = null;

  constructor(private readonly options: SimOptions) {
    this.random = seededRandom(options.seed);
    this.delayMs = options.delayMs ?? ((r) => 1 + r() * 20);
    this.timings = options.timings ?? {};
    for (const spec of options.peers) {
      this.peers.set(spec.peerId, {
        peerId: spec.peerId,
        priority: spec.priority,
        room: null,
        incarnation: 0,
        seq: 0,
        wakeAt: null,
        persistedEpoch: 0,
        lastView: null,
      });
      this.groups.set(spec.peerId, 0);
    }
    this.groupings.push({ fromMs: 0, groups: this.groups });
  }

  private fail(message: string): never {
    throw new InvariantError(`seed ${this.options.seed} at ${this.nowMs.toFixed(1)} ms: ${message}`);
  }

  private peer(peerId: string): SimPeer {
    const p = this.peers.get(peerId);
    if (!p) throw new Error(`no peer ${peerId}`);
    return p;
  }

  /** Starts (or restarts) a peer; `keepEpoch` models a peer that persisted its epoch. */
  start(peerId: string, keepEpoch = true): void {
    const p = this.peer(peerId);
    if (p.room) return;
    p.incarnation++;
    // As a real publisher should: start numbering from the clock, so a restarted peer's
    // messages follow (not precede) those of its previous run.
    p.seq = Math.floor(this.nowMs * 1000);
    p.lastView = null;
    p.wakeAt = null;
    p.room = createRoom({
      self: {
        peerId,
        name: `peer ${peerId.slice(-4)}`,
        priority: p.priority,
        addrs: [`/ip4/127.0.0.1/tcp/${4000 + p.incarnation}`],
      },
      timings: this.timings,
      ...(keepEpoch ? { initialEpoch: p.persistedEpoch } : {}),
    });
    this.step(p, { kind: 'start' });
  }

  /** Kills a peer without a goodbye; messages already sent stay in flight. */
  crash(peerId: string): void {
    const p = this.peer(peerId);
    if (!p.room) return;
    p.persistedEpoch = roomEpoch(p.room);
    p.room = null;
    p.wakeAt = null;
  }

  /** Stops a peer cleanly: it says `leave`. */
  stop(peerId: string): void {
    const p = this.peer(peerId);
    if (!p.room) return;
    this.step(p, { kind: 'stop' });
    this.crash(peerId);
  }

  setPriority(peerId: string, priority: number): void {
    const p = this.peer(peerId);
    p.priority = priority;
    if (p.room) this.step(p, { kind: 'update', self: { priority } });
  }

  /** Splits the peers into groups; peers in different groups cannot exchange messages. */
  partition(groups: string[][]): void {
    this.groups = new Map();
    groups.forEach((members, g) => members.forEach((id) => this.groups.set(id, g)));
    for (const id of this.peers.keys()) if (!this.groups.has(id)) this.groups.set(id, groups.length);
    this.groupings.push({ fromMs: this.nowMs, groups: this.groups });
  }

  heal(): void {
    this.groups = new Map([...this.peers.keys()].map((id) => [id, 0]));
    this.groupings.push({ fromMs: this.nowMs, groups: this.groups });
  }

  /** Whether the network kept `a` and `b` from hearing each other (partition or loss) from `fromMs` to `toMs`. */
  keptApart(a: string, b: string, fromMs: number, toMs: number): boolean {
    return this.separatedBetween(a, b, fromMs, toMs) || this.lostBetween(a, b, fromMs, toMs);
  }

  /** Whether a message between `a` and `b`, either way, was lost from `fromMs` to `toMs`. */
  lostBetween(a: string, b: string, fromMs: number, toMs: number): boolean {
    return this.losses.some(
      (l) =>
        l.atMs >= fromMs && l.atMs <= toMs && ((l.from === a && l.to === b) || (l.from === b && l.to === a)),
    );
  }

  /** Whether a partition kept `a` and `b` apart at some moment from `fromMs` to `toMs`. */
  separatedBetween(a: string, b: string, fromMs: number, toMs: number): boolean {
    return this.groupings.some((grouping, i) => {
      const untilMs = this.groupings[i + 1]?.fromMs ?? Infinity;
      const overlaps = grouping.fromMs <= toMs && untilMs >= fromMs;
      return overlaps && grouping.groups.get(a) !== grouping.groups.get(b);
    });
  }

  connected(a: string, b: string): boolean {
    return this.groups.get(a) === this.groups.get(b);
  }

  /** Runs `run` at simulated time `atMs`. */
  at(atMs: number, run: () => void): void {
    this.queue.push(atMs, { kind: 'script', run });
  }

  livePeers(): SimPeer[] {
    return [...this.peers.values()].filter((p) => p.room !== null);
  }

  /** Runs queued events up to and including `untilMs`. */
  runUntil(untilMs: number): void {
    for (;;) {
      const next = this.queue.pop();
      if (!next) break;
      if (next.at > untilMs) {
        this.queue.push(next.at, next.item);
        break;
      }
      this.nowMs = Math.max(this.nowMs, next.at);
      const item = next.item;
      if (item.kind === 'script') {
        item.run();
      } else if (item.kind === 'wake') {
        const p = this.peer(item.peer);
        if (p.room && p.incarnation === item.incarnation && p.wakeAt !== null && p.wakeAt <= this.nowMs) {
          p.wakeAt = null;
          this.step(p, { kind: 'tick' });
          const again = p.room ? roomWakeMs(p.room) : null;
          if (again !== null && again <= this.nowMs) this.fail(`${p.peerId} asks for another tick at once`);
        }
      } else {
        const p = this.peer(item.to);
        if (!p.room || p.incarnation !== item.toIncarnation || !this.connected(item.from, item.to)) continue;
        const decoded = decodeControl(item.bytes, item.from);
        if (!decoded.ok) this.fail(`a peer's own message was refused: ${decoded.reason} ${decoded.detail}`);
        this.delivered++;
        this.step(p, { kind: 'message', msg: decoded.value });
      }
      for (const check of this.checks) check();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private step(p: SimPeer, event: RoomEvent): void {
    if (!p.room) return;
    this.steps++;
    const { room, effects } = roomStep(p.room, event, this.nowMs);
    p.room = room;
    if (this.trace) {
      const what =
        event.kind === 'message'
          ? `${event.msg.type}@${event.msg.epoch} from ${event.msg.from.slice(-4)}`
          : event.kind;
      const out = effects
        .map((e) =>
          e.kind === 'publish'
            ? `>${e.msg.type}@${e.msg.epoch}`
            : e.kind === 'leader'
              ? `LEADER ${e.leader ? `${e.leader.peerId.slice(-4)}@${e.leader.epoch}` : 'none'}`
              : e.kind,
        )
        .join(' ');
      this.trace(
        `${this.nowMs.toFixed(1)} ${p.peerId.slice(-4)} [${room.election.phase} e${room.election.epoch}] <${what}${out ? ` ${out}` : ''}`,
      );
    }
    p.persistedEpoch = Math.max(p.persistedEpoch, roomEpoch(room));
    for (const effect of effects) this.apply(p, effect);
    this.checkPeer(p);
    this.schedule(p);
  }

  private apply(p: SimPeer, effect: RoomEffect): void {
    if (effect.kind === 'publish') {
      this.published.set(effect.msg.type, (this.published.get(effect.msg.type) ?? 0) + 1);
      const bytes = encodeControl(sealControl(effect.msg, p.seq++));
      for (const q of this.peers.values()) {
        if (q === p || !q.room || !this.connected(p.peerId, q.peerId)) continue;
        if (this.lossRate > 0 && this.random() < this.lossRate) {
          this.losses.push({ from: p.peerId, to: q.peerId, atMs: this.nowMs });
          continue;
        }
        const delivery: Scheduled = {
          kind: 'deliver',
          to: q.peerId,
          toIncarnation: q.incarnation,
          from: p.peerId,
          bytes,
        };
        this.queue.push(this.nowMs + this.delayMs(this.random), delivery);
      }
    } else if (effect.kind === 'leader') {
      this.onLeaderEffect(p, effect.leader);
    } else if (effect.kind === 'drop') {
      this.drops.set(effect.reason, (this.drops.get(effect.reason) ?? 0) + 1);
    }
  }

  /** The per-peer invariant: a peer never accepts two different leaders for one epoch. */
  private onLeaderEffect(p: SimPeer, leader: LeaderInfo | null): void {
    if (!leader) return;
    const prev = p.lastView;
    if (prev) {
      if (leader.epoch < prev.epoch)
        this.fail(`${p.peerId} went back from epoch ${prev.epoch} to ${leader.epoch}`);
      if (leader.epoch === prev.epoch && leader.peerId !== prev.peerId) {
        this.fail(`${p.peerId} accepted ${prev.peerId} and then ${leader.peerId} at epoch ${leader.epoch}`);
      }
    }
    p.lastView = leader;
    if (leader.peerId === p.peerId && !(prev && prev.peerId === p.peerId && prev.epoch === leader.epoch)) {
      this.declarations.push({ peerId: p.peerId, epoch: leader.epoch, atMs: this.nowMs });
    }
  }

  private checkPeer(p: SimPeer): void {
    const room = p.room;
    if (!room) return;
    if (room.election.phase === 'leader') {
      let leaders = 0;
      for (const q of this.peers.values()) if (q.room?.election.phase === 'leader') leaders++;
      this.maxConcurrentLeaders = Math.max(this.maxConcurrentLeaders, leaders);
    }
    const leader = roomLeader(room);
    if (leader && leader.epoch !== room.election.epoch) {
      this.fail(`${p.peerId} follows epoch ${leader.epoch} but its epoch is ${room.election.epoch}`);
    }
  }

  private schedule(p: SimPeer): void {
    if (!p.room) return;
    const wake = roomWakeMs(p.room);
    if (wake === null) {
      p.wakeAt = null;
      return;
    }
    const at = Math.max(wake, this.nowMs);
    // An earlier pending wake still fires and re-schedules, so only a sooner one is queued.
    if (p.wakeAt !== null && p.wakeAt <= at) return;
    p.wakeAt = at;
    this.queue.push(at, { kind: 'wake', peer: p.peerId, incarnation: p.incarnation });
  }

  /** The live peer that should lead: highest (priority, peer id) among running peers. */
  expectedLeader(): string | null {
    let best: SimPeer | null = null;
    for (const p of this.livePeers()) if (!best || outranks(p, best)) best = p;
    return best ? best.peerId : null;
  }

  /**
   * Null when every live peer follows the highest live peer at one epoch and lists exactly the
   * other live peers; otherwise a description of the first disagreement.
   */
  disagreement(options: { checkMembers: boolean }): string | null {
    const live = this.livePeers();
    const expected = this.expectedLeader();
    let epoch: number | null = null;
    for (const p of live) {
      const leader = roomLeader(p.room as RoomState);
      if (!leader || leader.peerId !== expected)
        return `${p.peerId} follows ${leader?.peerId ?? 'nobody'}, not ${expected}`;
      if (epoch !== null && leader.epoch !== epoch)
        return `${p.peerId} is at epoch ${leader.epoch}, others at ${epoch}`;
      epoch = leader.epoch;
    }
    if (options.checkMembers) {
      for (const p of live) {
        const listed = roomMembers(p.room as RoomState)
          .map((m) => m.peerId)
          .join(',');
        const want = live
          .filter((q) => q !== p)
          .map((q) => q.peerId)
          .sort()
          .join(',');
        if (listed !== want) return `${p.peerId} lists [${listed}], live are [${want}]`;
      }
    }
    return null;
  }
}
