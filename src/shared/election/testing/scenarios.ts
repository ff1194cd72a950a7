/**
 * Randomised fault scenarios for the simulated room, shared by the simulation tests and by
 * anyone replaying a failing seed with tracing on.
 */
import { SimNetwork, seededRandom, type Declaration, type SimPeerSpec } from './sim-network';

/**
 * After the last fault (everything healed, no loss, no more crashes) every live peer must follow
 * the highest live peer at one epoch within this long, and keep doing so. Worst case: a dead
 * leader is noticed (leaderTimeoutMs), a candidate waits for a COORDINATOR that never comes
 * (coordinatorTimeoutMs) and elects again (answerTimeoutMs), plus a restarted peer's grace.
 */
export const CONVERGENCE_BOUND_MS = 2500;
/**
 * How far before the first of two claims of one epoch the network is searched for what kept the
 * two claimants apart: longer than one election (startup grace, answer and coordinator timeouts).
 */
const CLAIM_WINDOW_MS = 1500;
/** Agreement must also hold for this long after the bound. */
export const STABLE_WINDOW_MS = 2000;

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function makePeers(random: () => number, n: number, priorities: number): SimPeerSpec[] {
  const peers: SimPeerSpec[] = [];
  const ids = new Set<string>();
  while (peers.length < n) {
    let id = '12D3KooW';
    for (let i = 0; i < 12; i++) id += BASE58[Math.floor(random() * BASE58.length)];
    if (ids.has(id)) continue;
    ids.add(id);
    // Few distinct priorities, so most comparisons fall through to the peer id.
    peers.push({ peerId: id, priority: Math.floor(random() * priorities) });
  }
  return peers;
}

const pick = <T>(random: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

export interface Scenario {
  seed: number;
  peers: number;
  /** Loss and partitions as well as crashes; otherwise crashes, restarts and delay only. */
  chaos: boolean;
}

export interface Outcome {
  convergedAfterMs: number;
  declarations: number;
  epochs: number;
  steps: number;
  maxConcurrentLeaders: number;
  staleDrops: number;
}

/**
 * One run: staggered start, a fault phase, then quiet. Invariants are checked after every step;
 * convergence is measured from the moment the network goes quiet.
 */
export function runScenario({ seed, peers: n, chaos }: Scenario, trace?: (line: string) => void): Outcome {
  const schedule = seededRandom(seed * 7919 + 1);
  const specs = makePeers(schedule, n, 3);
  const net = new SimNetwork({
    seed,
    peers: specs,
    // Mostly LAN-fast, with occasional slow deliveries; chaos runs get slower spikes.
    delayMs: (r) => (r() < 0.05 ? 20 + r() * (chaos ? 120 : 60) : 0.5 + r() * 10),
  });
  const ids = specs.map((s) => s.peerId);
  if (trace) net.trace = trace;

  for (const id of ids) net.at(schedule() * 500, () => net.start(id));

  const faultsEndMs = 3000 + schedule() * 4000;
  let t = 600;
  while (t < faultsEndMs) {
    const at = t;
    const roll = schedule();
    const victim = pick(schedule, ids);
    const keepEpoch = !chaos || schedule() < 0.5;
    if (roll < 0.3) {
      net.at(at, () => {
        // Prefer killing the leader: that is what the election is for.
        const leader = net.expectedLeader();
        const target = schedule() < 0.5 && leader ? leader : victim;
        if (net.livePeers().length > 1) net.crash(target);
      });
    } else if (roll < 0.45) {
      net.at(at, () => {
        if (net.livePeers().length > 1) net.stop(victim);
      });
    } else if (roll < 0.7) {
      net.at(at, () => net.start(victim, keepEpoch));
    } else if (chaos && roll < 0.85) {
      const groups = 2 + Math.floor(schedule() * 2);
      const split: string[][] = Array.from({ length: groups }, () => []);
      for (const id of ids) pick(schedule, split).push(id);
      net.at(at, () => net.partition(split));
    } else if (chaos && roll < 0.93) {
      const loss = schedule() * 0.3;
      net.at(at, () => {
        net.heal();
        net.lossRate = loss;
      });
    } else if (chaos) {
      const priority = Math.floor(schedule() * 4);
      net.at(at, () => net.setPriority(victim, priority));
    } else {
      net.at(at, () => net.start(victim, keepEpoch));
    }
    t += 150 + schedule() * 900;
  }

  net.at(faultsEndMs, () => {
    net.heal();
    net.lossRate = 0;
  });

  // Two peers never claim the same epoch, unless the network kept them from hearing each other
  // (a partition, or a message between them lost) in the election that led to the second claim:
  // the two sides of a partition elect independently, and a counter cannot be made unique
  // without hearing each other. Without loss and partitions that exception never applies.
  // Peers also never accept two leaders for one epoch (checked inside the network on every
  // leader change, in every run).
  net.checks.push(() => {
    const byEpoch = new Map<number, Declaration>();
    for (const d of net.declarations) {
      const other = byEpoch.get(d.epoch);
      if (
        other !== undefined &&
        other.peerId !== d.peerId &&
        !(chaos && net.keptApart(other.peerId, d.peerId, other.atMs - CLAIM_WINDOW_MS, d.atMs))
      ) {
        throw new Error(
          `seed ${seed}: ${other.peerId} (at ${other.atMs.toFixed(1)} ms) and ${d.peerId} (at ${d.atMs.toFixed(1)} ms) both declared epoch ${d.epoch}`,
        );
      }
      byEpoch.set(d.epoch, d);
    }
  });

  let lastDisagreementMs = faultsEndMs;
  let lastReason: string | null = null;
  const endMs = faultsEndMs + CONVERGENCE_BOUND_MS + STABLE_WINDOW_MS;
  net.checks.push(() => {
    if (net.nowMs < faultsEndMs) return;
    const reason = net.disagreement({ checkMembers: false });
    if (reason) {
      lastDisagreementMs = net.nowMs;
      lastReason = reason;
    }
  });
  net.runUntil(endMs);

  const convergedAfterMs = lastDisagreementMs - faultsEndMs;
  if (convergedAfterMs > CONVERGENCE_BOUND_MS) {
    throw new Error(
      `seed ${seed} (${n} peers, chaos=${chaos}): still disagreeing ${convergedAfterMs.toFixed(0)} ms after quiet: ${lastReason}`,
    );
  }
  // Membership catches up too: every peer lists exactly the other live peers.
  const membership = net.disagreement({ checkMembers: true });
  if (membership) throw new Error(`seed ${seed}: ${membership}`);

  return {
    convergedAfterMs,
    declarations: net.declarations.length,
    epochs: new Set(net.declarations.map((d) => d.epoch)).size,
    steps: net.steps,
    maxConcurrentLeaders: net.maxConcurrentLeaders,
    staleDrops: net.drops.get('staleEpoch') ?? 0,
  };
}
