import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlaybackState } from '../../shared/playback/state';
import { TypedEventTarget } from '../../shared/events';
import type { ChunkFetcherEvents } from '../swarm/fetch-types';
import { Downloads, NEXT_PREFETCH_DELAY_MS } from './downloads';
import { componentLogger, silentLogger } from '../../shared/logger';

class FakeFetcher extends TypedEventTarget<ChunkFetcherEvents> {
  constructor() {
    super(silentLogger.forComponent('firefly:test'));
  }
  readonly asked: [string, number | undefined][] = [];
  readonly paces: unknown[] = [];
  complete = new Set<string>();
  outcome: Promise<never> | null = null;
  fetchTrack(trackId: string, options: { priority?: number; pace?: unknown } = {}) {
    this.asked.push([trackId, options.priority]);
    this.paces.push(options.pace);
    return (this.outcome ?? new Promise(() => undefined)) as never;
  }
  isComplete(trackId: string) {
    return this.complete.has(trackId);
  }
}

function downloads(local: string[] = []) {
  const fetcher = new FakeFetcher();
  const lines: string[] = [];
  const d = new Downloads({
    fetcher: () => fetcher,
    isLocal: (id) => local.includes(id),
    trackOf: (id) => (id === 'a' ? { sizeBytes: 4_800_000, durationSec: 240 } : null),
    logger: componentLogger((l) => lines.push(l)),
  });
  return { d, fetcher, lines };
}

// A 4.8 MB track of 240 s: 20 kB/s, paced at the floors (256 KiB/s after a 1 MiB burst).
const pace = { bytesPerSec: 256 * 1024, burstBytes: 1024 * 1024 };

const state = (queue: string[], currentIndex: number | null, repeat = 'off') =>
  ({ queue, currentIndex, repeat }) as unknown as PlaybackState;

describe('Downloads', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prefetches the current track first, then the next, skipping those this peer has', () => {
    vi.useFakeTimers();
    const { d, fetcher } = downloads(['local']);
    d.prefetch(state(['a', 'b', 'c'], 0));
    vi.advanceTimersByTime(NEXT_PREFETCH_DELAY_MS);
    expect(fetcher.asked).toEqual([
      ['a', 10],
      ['b', 1],
    ]);
    // A played track comes at its pace; one without a known pace comes as fast as it can.
    expect(fetcher.paces).toEqual([pace, undefined]);
    fetcher.asked.length = 0;
    fetcher.complete.add('c');
    d.prefetch(state(['local', 'c'], 0));
    d.prefetch(state(['a'], null));
    vi.advanceTimersByTime(NEXT_PREFETCH_DELAY_MS);
    expect(fetcher.asked).toEqual([]);
  });

  it("starts the next track's fetch a while after the current one's, so it does not hold up the start", () => {
    vi.useFakeTimers();
    const { d, fetcher } = downloads();
    d.prefetch(state(['a', 'b', 'c'], 0));
    expect(fetcher.asked).toEqual([['a', 10]]);
    // The state again (the release of a held start, a republish): the wait for 'b' is not restarted.
    vi.advanceTimersByTime(NEXT_PREFETCH_DELAY_MS - 1);
    d.prefetch(state(['a', 'b', 'c'], 0));
    vi.advanceTimersByTime(1);
    expect(fetcher.asked.slice(-1)).toEqual([['b', 1]]);
    // The queue moved on before the wait ended: only the track that is next now is fetched.
    fetcher.asked.length = 0;
    d.prefetch(state(['a', 'b', 'c'], 1));
    d.prefetch(state(['a', 'b', 'c'], 2));
    vi.advanceTimersByTime(NEXT_PREFETCH_DELAY_MS);
    expect(fetcher.asked).toEqual([
      ['b', 10],
      ['c', 10],
    ]);
    d.prefetch(state(['a', 'b', 'c', 'd'], 0));
    d.cancelNext();
    vi.advanceTimersByTime(NEXT_PREFETCH_DELAY_MS);
    expect(fetcher.asked.map(([id]) => id)).toEqual(['b', 'c', 'a']);
  });

  it('starts one fetch for a track however many windows read it, and logs its failure once', async () => {
    const { d, fetcher, lines } = downloads();
    fetcher.outcome = Promise.reject(new Error('no holder'));
    fetcher.outcome.catch(() => undefined);
    const first = d.arriving('t');
    expect(d.arriving('t')).toBe(first);
    expect((await first)?.message).toBe('no holder');
    expect(lines).toEqual(['downloads: fetch t failed: no holder']);
    expect(fetcher.asked).toHaveLength(1);
    void d.arriving('t');
    expect(fetcher.asked).toHaveLength(2);
  });

  it('follows progress into the snapshot and the room', () => {
    const { d, fetcher } = downloads();
    const room: unknown[] = [];
    const changed = { status: 0, library: 0 };
    d.watch(
      fetcher as never,
      { setDownload: (x) => void room.push(x) },
      {
        status: () => changed.status++,
        library: () => changed.library++,
      },
    );
    fetcher.emit('download:progress', { trackId: 't', haveChunks: 1, totalChunks: 4, bytes: 100 } as never);
    expect(d.snapshot()).toEqual({ t: { haveChunks: 1, totalChunks: 4, bytes: 100, done: false } });
    fetcher.emit('download:done', { trackId: 't' } as never);
    expect(d.snapshot()).toEqual({ t: { haveChunks: 4, totalChunks: 4, bytes: 100, done: true } });
    expect(room).toEqual([{ trackId: 't', haveChunks: 1, totalChunks: 4 }, null]);
    expect(changed).toEqual({ status: 1, library: 1 });
  });
});
