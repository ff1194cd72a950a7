/**
 * A pipe source for tests and benchmarks (#22): a FIFO path and its `pipe://` URI in a temp folder, the
 * room's source list, waiting for a source to be announced, and group time against this process's clock.
 * Shared by the live e2e tests, the acoustic live room and `bench:live`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LiveSourceInfo, LiveSourceList } from '../../src/shared/live/sources';
import { apiFetch } from './peers';

/** A FIFO the source peer creates and reads, and the URI that names it. */
export interface PipeSource {
  fifo: string;
  uri: string;
  /** Removes the temp folder (and the FIFO in it). */
  remove(): void;
}

/** A `pipe://` source in a new temp folder: s16le 48 kHz stereo; `query` adds options (`codec=pcm`). */
export function pipeSource(name: string, query = ''): PipeSource {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-pipe-'));
  const fifo = path.join(dir, 'source.fifo');
  return {
    fifo,
    uri: `pipe://${fifo}?name=${encodeURIComponent(name)}&format=s16le:48000:2${query ? `&${query}` : ''}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `GET /api/sources` of the peer at `ui`. */
export async function sourceList(ui: string): Promise<LiveSourceList> {
  const response = await apiFetch(ui, '/api/sources');
  if (!response.ok) throw new Error(`/api/sources: HTTP ${response.status}`);
  return (await response.json()) as LiveSourceList;
}

/** Waits until the peer at `ui` lists a source called `name`; returns it. */
export async function waitForSource(ui: string, name: string, timeoutMs = 30_000): Promise<LiveSourceInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await sourceList(ui)).sources.find((s) => s.name === name);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no source called ${name} at ${ui} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Group time at the peer minus this process's clock (`performance.timeOrigin + now()`, ms), from the
 * shortest of `probes` round trips, and that round trip (the reading's uncertainty).
 */
export async function groupOffsetMs(ui: string, probes = 10): Promise<{ offsetMs: number; rttMs: number }> {
  const now = () => performance.timeOrigin + performance.now();
  let best = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < probes; i++) {
    const t0 = now();
    const list = await sourceList(ui);
    const t1 = now();
    if (t1 - t0 < best.rttMs) best = { offsetMs: list.groupNowMs - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}
