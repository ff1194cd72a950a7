/**
 * One request of the chunk fetcher (`chunk-fetcher.ts` sends them as its scheduler fills request slots):
 * a GET for a few units of one download, on a pooled stream to one peer, and the sorting of its replies.
 * A chunk goes to the intake; MISSING marks the peer as lacking the unit; BUSY puts the unit back; a
 * reply that breaks the protocol counts against the peer. A request that fails (timeout, closed stream)
 * counts as a failure episode: the peer rests before it is asked again, and after enough episodes it is
 * not used for the track (`peer-rests.ts`). Whatever was not answered is asked of someone else.
 */
import { decodeGetReply, encodeGet, isOkReplyFrame } from '../../shared/swarm/chunk-wire';
import type { ChunkIntake } from './chunk-intake';
import type { ChunkStream, ChunkStreamPool } from './chunk-stream-pool';
import { dropPartial, markLacking, type Job } from './download-job';
import { penalize, type FetchCore } from './fetch-core';
import type { LinkWindow } from './link-window';
import { FRAME_LENGTH_ERRORS } from './stream-util';

/** What a request works with besides the shared core. */
export interface ChunkRequestDeps {
  core: FetchCore;
  streams: ChunkStreamPool;
  intake: ChunkIntake;
  /** The request is over: its slot to `peerId` is free again. */
  releaseSlot(peerId: string): void;
  /** What is in flight from `peerId` (`link-window.ts`): told of each unit delivered or given up. */
  window(peerId: string): LinkWindow;
}

/** Asks `peerId` for `units` of `job` (already taken out of `job.missing` and marked in flight). */
export async function requestUnits(
  deps: ChunkRequestDeps,
  job: Job,
  peerId: string,
  units: number[],
): Promise<void> {
  const { core, streams } = deps;
  const window = deps.window(peerId);
  const lengthOf = (u: number) => job.units[u]!.lengthBytes;
  const pending = new Set(units);
  let open: ChunkStream | null = null;
  let reusable = false;
  const signal = AbortSignal.any([job.controller.signal, AbortSignal.timeout(core.tuning.requestTimeoutMs)]);
  const startedMs = performance.now();
  core.stats.requests++;
  const get = encodeGet(units.map((u) => job.units[u]!.chunkId));
  /** Sends the GET on `stream` and reads the first reply; an oversized reply is returned as its error. */
  const ask = async (stream: ChunkStream) => {
    await stream.lp.write(get, { signal });
    return stream.lp.read({ signal }).catch((e: unknown) => {
      if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) return e;
      throw e;
    });
  };
  try {
    open = await streams.open(peerId, signal);
    let first;
    try {
      first = await ask(open);
    } catch (e) {
      // A stream kept idle may have died meanwhile (the peer's service restarted): that is not the peer
      // failing a request, so the request goes once more on a new stream.
      if (!open.reused || signal.aborted) throw e;
      streams.release(peerId, open, false);
      open = await streams.open(peerId, signal, true);
      first = await ask(open);
    }
    for (const [k, u] of units.entries()) {
      let frame;
      try {
        if (first instanceof Error) throw first;
        frame = k === 0 ? first : await open.lp.read({ signal });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
          penalize(core, job, peerId, 'oversizedReply');
          return;
        }
        throw e;
      }
      if (isOkReplyFrame(frame.byteLength, frame.get(0))) {
        pending.delete(u);
        window.delivered(lengthOf(u), startedMs, performance.now());
        deps.intake.receive(job, peerId, u, [...frame.sublist(1)]);
        continue;
      }
      const reply = decodeGetReply(frame.subarray());
      if (!reply.ok || reply.value.status === 'ok') {
        penalize(core, job, peerId, 'malformedReply');
        return;
      }
      pending.delete(u);
      window.dropped(lengthOf(u));
      job.inFlight.delete(u);
      if (reply.value.status === 'missing') lacks(core, job, peerId, u);
      else core.downloads.requeue(job, u);
    }
    reusable = true;
    job.rests.succeeded(peerId);
  } catch (e) {
    if (!job.controller.signal.aborted && core.running()) failed(core, job, peerId, startedMs, e);
  } finally {
    for (const u of pending) {
      window.dropped(lengthOf(u));
      job.inFlight.delete(u);
      core.downloads.requeue(job, u);
    }
    deps.releaseSlot(peerId);
    if (open) streams.release(peerId, open, reusable && core.running() && core.live.has(peerId));
    core.pump();
  }
}

/** `peerId` answered MISSING for unit `u`: someone else is asked for it. */
function lacks(core: FetchCore, job: Job, peerId: string, u: number): void {
  core.stats.missingReplies++;
  markLacking(job, peerId, u);
  core.downloads.requeue(job, u);
}

/** A request to `peerId` failed: the peer rests, or is excluded from the track after enough episodes. */
function failed(core: FetchCore, job: Job, peerId: string, startedMs: number, e: unknown): void {
  core.stats.failedRequests++;
  const verdict = job.rests.failed(peerId, startedMs, performance.now());
  if (verdict.kind === 'excluded') {
    job.excluded.add(peerId);
    dropPartial(job, peerId);
  } else if (verdict.kind === 'rest') {
    if (job.restTimer) clearTimeout(job.restTimer);
    wakeAfterRest(core, job, peerId, verdict.ms);
  }
  core.log(`request to ${peerId} failed: ${String(e)}`);
}

/**
 * Looks for work once `peerId`'s rest is over. A timer may fire a little before the rest ends by
 * `performance.now()` (the event loop's cached time starts it early); the pump would then still find
 * the holder resting and, with nothing else to wake it, the download would wait forever. So an early
 * timer waits out what is left of the rest.
 */
function wakeAfterRest(core: FetchCore, job: Job, peerId: string, ms: number): void {
  job.restTimer = setTimeout(() => {
    const leftMs = job.rests.restLeftMs(peerId, performance.now());
    if (leftMs > 0) {
      wakeAfterRest(core, job, peerId, leftMs);
      return;
    }
    job.restTimer = null;
    core.pump();
  }, ms);
}
