/**
 * One download's bookkeeping (`chunk-fetcher.ts` runs it): the track's distinct chunks ("units"), which
 * are missing, in flight or stored, who holds what, and which unit a peer should be asked for next.
 * Everything here works on the job alone; the fetcher owns the peers, the streams and the timers.
 */
import type { ChunkRef } from '../../shared/library/types';
import { bitmapHas } from '../../shared/swarm/chunk-wire';
import { combinedPace, DownloadPace, type PaceRate } from './download-pace';
import { STREAMING_PRIORITY, type DownloadProgress, type FetchResult, type PeerShare } from './fetch-types';
import { InFlightUnits } from './in-flight';
import { PeerRests } from './peer-rests';

/** Below the streaming priority, the first units come first (a next track's start), then the rarest. */
const HEAD_UNITS = 4;

/** One distinct chunk of a track (a chunk id may occur at several indices). */
export interface Unit {
  chunkId: string;
  lengthBytes: number;
  indices: number[];
}

export interface Waiter {
  priority: number;
  pace: PaceRate | null;
  failOnStorageError: boolean;
  resolve: (result: FetchResult) => void;
  reject: (error: Error) => void;
}

export interface Job {
  trackId: string;
  units: Unit[];
  /** Every chunk id of the track (the store evicts these last). */
  chunkIds: Set<string>;
  /** Track index → unit. */
  unitOf: Int32Array;
  totalChunks: number;
  /** Units neither stored nor in flight. */
  missing: Set<number>;
  /** Units in flight, with the peer asked and their running byte total. */
  inFlight: InFlightUnits;
  haveChunks: number;
  presentChunks: number;
  full: Set<string>;
  partial: Map<string, Uint8Array>;
  /** Per unit: how many partial holders have it (full holders are added on top). */
  partialAvail: Uint16Array;
  /** Units a peer answered MISSING for. */
  lacks: Map<string, Set<number>>;
  excluded: Set<string>;
  bad: Map<string, number>;
  /** Holders resting after failed requests, and their strikes (peer-rests.ts). */
  rests: PeerRests;
  /** Wakes the download when a rest ends. */
  restTimer: NodeJS.Timeout | null;
  watching: Set<string>;
  perPeer: Map<string, PeerShare>;
  bytes: number;
  badChunks: number;
  waiters: Set<Waiter>;
  controller: AbortController;
  startedAtMs: number;
  lastProgressMs: number;
  holdersCheckedMs: number;
  stallTimer: NodeJS.Timeout | null;
  /** The track's chunks in order (byte offsets, for `want`). */
  chunks: readonly ChunkRef[];
  /** Units a reader waits for now: fetched first, whatever the pace. */
  urgent: Set<number>;
  pace: DownloadPace | null;
  paceTimer: NodeJS.Timeout | null;
}

/** A new download of `chunks`; units `has` says are present are not fetched. */
export function createJob(
  trackId: string,
  chunks: readonly ChunkRef[],
  has: (chunkId: string) => boolean,
  maxFailures: number,
): Job {
  const units: Unit[] = [];
  const byId = new Map<string, number>();
  const unitOf = new Int32Array(chunks.length);
  for (const c of chunks) {
    let u = byId.get(c.chunkId);
    if (u === undefined) {
      u = units.length;
      byId.set(c.chunkId, u);
      units.push({ chunkId: c.chunkId, lengthBytes: c.lengthBytes, indices: [] });
    }
    units[u]!.indices.push(c.index);
    unitOf[c.index] = u;
  }
  const missing = new Set<number>();
  let present = 0;
  units.forEach((unit, u) => {
    if (has(unit.chunkId)) present += unit.indices.length;
    else missing.add(u);
  });
  const now = performance.now();
  return {
    trackId,
    units,
    chunkIds: new Set(byId.keys()),
    unitOf,
    totalChunks: chunks.length,
    missing,
    inFlight: new InFlightUnits((u) => units[u]!.lengthBytes),
    haveChunks: present,
    presentChunks: present,
    full: new Set(),
    partial: new Map(),
    partialAvail: new Uint16Array(units.length),
    lacks: new Map(),
    excluded: new Set(),
    bad: new Map(),
    rests: new PeerRests({ maxEpisodes: maxFailures }),
    restTimer: null,
    watching: new Set(),
    perPeer: new Map(),
    bytes: 0,
    badChunks: 0,
    waiters: new Set(),
    controller: new AbortController(),
    startedAtMs: now,
    lastProgressMs: 0,
    holdersCheckedMs: now,
    stallTimer: null,
    chunks,
    urgent: new Set(),
    pace: null,
    paceTimer: null,
  };
}

/** The highest priority among the download's waiters. */
export function priorityOf(job: Job): number {
  let p = -Infinity;
  for (const w of job.waiters) p = Math.max(p, w.priority);
  return p;
}

/** The job's pace from its waiters' (`combinedPace`); the budget keeps counting from the job's start. */
export function repace(job: Job): void {
  const rate = combinedPace([...job.waiters].map((w) => w.pace));
  if (rate?.bytesPerSec === job.pace?.rate.bytesPerSec && rate?.burstBytes === job.pace?.rate.burstBytes)
    return;
  job.pace = rate ? new DownloadPace(rate, job.startedAtMs) : null;
}

/** Marks the missing or in-flight units holding bytes [startByte, endByte) urgent; whether any were not yet. */
export function markUrgent(job: Job, startByte: number, endByte: number): boolean {
  let added = false;
  for (const c of job.chunks) {
    if (c.offsetBytes >= endByte) continue;
    if (c.offsetBytes + c.lengthBytes <= startByte) continue;
    const u = job.unitOf[c.index]!;
    if ((job.missing.has(u) || job.inFlight.has(u)) && !job.urgent.has(u)) {
      job.urgent.add(u);
      added = true;
    }
  }
  return added;
}

/** Whether `peerId` can serve unit `u` of the job, as far as this peer knows. */
export function peerHas(job: Job, peerId: string, u: number): boolean {
  if (job.lacks.get(peerId)?.has(u)) return false;
  if (job.full.has(peerId)) return true;
  const bitmap = job.partial.get(peerId);
  if (!bitmap) return false;
  return job.units[u]!.indices.some((i) => bitmapHas(bitmap, i));
}

/**
 * The unit to ask `peerId` for next (a peer that may be asked: live, not resting, not excluded), or -1.
 *
 * Units a reader waits for come first; `overBudget` (a paced download past its budget) asks only for
 * those. Then the rarest missing unit (random among equals), or the first one while the track is played
 * or for its head. A full holder is not asked for a unit some partial holder has while other peers are
 * busy with requests of this download: the fetchers trade those among themselves, which keeps the
 * seeders' upload near one copy of the track. With nothing in flight elsewhere it may take any unit, so
 * a download never waits on partial holders that cannot deliver.
 */
export function pickUnit(job: Job, peerId: string, overBudget: boolean): number {
  let wanted = -1;
  for (const u of job.urgent)
    if (job.missing.has(u) && (wanted === -1 || u < wanted) && peerHas(job, peerId, u)) wanted = u;
  if (wanted !== -1 || overBudget) return wanted;
  const isFull = job.full.has(peerId);
  if (!isFull && !job.partial.has(peerId)) return -1;
  let othersBusy = false;
  if (isFull) for (const p of job.inFlight.values()) if (p !== peerId) othersBusy = true;
  let best = -1;
  let bestAvail = Infinity;
  let ties = 0;
  const fullCount = job.full.size;
  const inOrder = priorityOf(job) >= STREAMING_PRIORITY;
  let first = -1;
  for (const u of job.missing) {
    if (othersBusy && job.partialAvail[u]! > 0) continue;
    if (!peerHas(job, peerId, u)) continue;
    if ((inOrder || u < HEAD_UNITS) && (first === -1 || u < first)) first = u;
    if (first !== -1) continue;
    const avail = fullCount + job.partialAvail[u]!;
    if (avail < bestAvail) {
      best = u;
      bestAvail = avail;
      ties = 1;
    } else if (avail === bestAvail && Math.random() * ++ties < 1) {
      best = u;
    }
  }
  return first !== -1 ? first : best;
}

/** `peerId` answered MISSING for unit `u`: it is not asked for it again, and the counts say so. */
export function markLacking(job: Job, peerId: string, u: number): void {
  let set = job.lacks.get(peerId);
  if (!set) job.lacks.set(peerId, (set = new Set()));
  set.add(u);
  // Keep the availability counts true to what can still be fetched.
  const bitmap = job.partial.get(peerId);
  if (bitmap && job.units[u]!.indices.some((i) => bitmapHas(bitmap, i))) {
    for (const i of job.units[u]!.indices) bitmap[i >> 3]! &= ~(0x80 >> (i & 7));
    if (job.partialAvail[u]! > 0) job.partialAvail[u]!--;
  }
}

function forUnitsIn(job: Job, bitmap: Uint8Array, fn: (u: number) => void): void {
  job.units.forEach((unit, u) => {
    if (unit.indices.some((i) => bitmapHas(bitmap, i))) fn(u);
  });
}

/** `peerId` holds the chunks `bitmap` names (a WATCH answer): it replaces what was known of it. */
export function setPartial(job: Job, peerId: string, bitmap: Uint8Array): void {
  dropPartial(job, peerId);
  job.partial.set(peerId, bitmap);
  forUnitsIn(job, bitmap, (u) => job.partialAvail[u]!++);
}

/** `peerId` stored the chunks at `indices` (a WATCH update); false if nothing was known of it. */
export function addToPartial(job: Job, peerId: string, indices: readonly number[]): boolean {
  const bitmap = job.partial.get(peerId);
  if (!bitmap) return false;
  for (const index of indices) {
    const u = job.unitOf[index]!;
    const hadUnit = job.units[u]!.indices.some((i) => bitmapHas(bitmap, i));
    bitmap[index >> 3]! |= 0x80 >> (index & 7);
    if (!hadUnit) job.partialAvail[u]!++;
  }
  return true;
}

/** Forgets what `peerId` was known to hold partially (it left, or lied). */
export function dropPartial(job: Job, peerId: string): void {
  const bitmap = job.partial.get(peerId);
  if (!bitmap) return;
  job.partial.delete(peerId);
  forUnitsIn(job, bitmap, (u) => {
    if (job.partialAvail[u]! > 0) job.partialAvail[u]!--;
  });
}

/** The download's progress, as `download:progress` reports it. */
export function progressOf(job: Job): DownloadProgress {
  return {
    trackId: job.trackId,
    haveChunks: job.haveChunks,
    totalChunks: job.totalChunks,
    bytes: job.bytes,
    perPeer: Object.fromEntries([...job.perPeer].map(([p, s]) => [p, { ...s }])),
  };
}

/** What the finished download did. */
export function resultOf(job: Job): FetchResult {
  return {
    ...progressOf(job),
    presentChunks: job.presentChunks,
    fetchedChunks: job.haveChunks - job.presentChunks,
    badChunks: job.badChunks,
    durationMs: performance.now() - job.startedAtMs,
  };
}
