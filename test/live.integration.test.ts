/**
 * Live sources between real peers on loopback (#22): a FIFO fed by the test reaches another peer's
 * `/media/live/<id>` as Opus with every frame and exact group times, and the source peer's own window
 * (asking `?codec=pcm`) gets it decoded, sample-aligned; a program that dies is restarted with
 * backoff and its error shows in the API; a bad URI is a clear error; a peer that sends malformed
 * frames on the live protocol has its stream closed and counted; the room stops a source whose
 * device leaves, and says why.
 */
import { chmodSync, mkdtempSync, openSync, closeSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFrameSplitter, decodeLiveFrame, type LiveFrame } from '../src/shared/live/frames';
import type { LiveSourceInfo, LiveSourceList } from '../src/shared/live/sources';
import { createPeerNode, type PeerNode } from '../src/main/net/node';
import { deriveRoom } from '../src/main/net/room';
import { apiFetch, authHeaders, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { getStatus, waitForStatuses } from './support/status';

let peers: TestPeer[] = [];
let raw: PeerNode | null = null;
const dirs: string[] = [];
const readers: AbortController[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.abort();
  await raw?.stop();
  raw = null;
  await stopPeers(peers);
  peers = [];
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-live-'));
  dirs.push(dir);
  return dir;
}

async function sources(ui: string): Promise<LiveSourceList> {
  const response = await apiFetch(ui, '/api/sources');
  expect(response.status).toBe(200);
  return (await response.json()) as LiveSourceList;
}

/** Polls `/api/sources` until `check` finds what it wants. */
async function waitForSource(
  ui: string,
  check: (s: LiveSourceInfo) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<LiveSourceInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: LiveSourceList | null = null;
  while (Date.now() < deadline) {
    last = await sources(ui);
    const hit = last.sources.find(check);
    if (hit) return hit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/**
 * Group time minus this process's clock (performance.timeOrigin + now, as the peers' clocks count), from
 * the reply with the shortest round trip of a few.
 */
async function groupOffsetMs(ui: string): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < 8; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const list = await sources(ui);
    const t1 = performance.timeOrigin + performance.now();
    if (t1 - t0 < best.rttMs) best = { offsetMs: list.groupNowMs - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}

/** Reads a live stream's frames from `/media/live/<id>` into `frames` until aborted. */
function readLive(
  ui: string,
  sourceId: string,
  frames: LiveFrame[],
  signal: AbortSignal,
  query = '',
): Promise<void> {
  return (async () => {
    const response = await fetch(`${ui}/media/live/${sourceId}${query}`, {
      headers: authHeaders(ui),
      signal,
    });
    expect(response.status).toBe(200);
    const splitter = new LiveFrameSplitter();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const split = splitter.push(value);
      if (!split.ok) throw new Error(split.error);
      for (const bytes of split.value) {
        const frame = decodeLiveFrame(bytes);
        if (!frame.ok) throw new Error(frame.error);
        frames.push(frame.value);
      }
    }
  })().catch((error: unknown) => {
    if (!signal.aborted) throw error;
  });
}

/** Frame n of a two-tone test signal (left; the right is its negative), 48 kHz. */
const tone = (n: number) =>
  Math.round(
    7000 * Math.sin((2 * Math.PI * 440 * n) / 48_000) + 3000 * Math.sin((2 * Math.PI * 1234.5 * n) / 48_000),
  );

/** `frames` stereo s16 frames of the tone. */
function toneFrames(frames: number): Int16Array {
  const out = new Int16Array(frames * 2);
  for (let n = 0; n < frames; n++) {
    out[n * 2] = tone(n);
    out[n * 2 + 1] = -tone(n);
  }
  return out;
}

describe('live sources between peers', () => {
  it('streams a FIFO to another peer as Opus stamped at write time + delay, and plays it as a command', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'line-in.fifo');
    const a = await launchPeer({
      name: 'source',
      args: [
        '--leader',
        '--live-delay-ms',
        '300',
        '--source',
        `pipe://${fifo}?name=Line%20in&format=s16le:48000:2`,
      ],
    });
    peers.push(a);
    const b = await launchPeer({ name: 'member', args: ['--bootstrap', a.addrs[0] as string] });
    peers.push(b);
    const source = await waitForSource(b.ui, (s) => s.name === 'Line in' && !s.local, "the member's list");
    expect(source).toMatchObject({ kind: 'pipe', peerId: a.peerId, peerName: 'source', state: 'starting' });

    const frames: LiveFrame[] = [];
    const reading = new AbortController();
    readers.push(reading);
    const read = readLive(b.ui, source.sourceId, frames, reading.signal);
    // The source peer's own window reads the same source straight from it.
    const ownFrames: LiveFrame[] = [];
    const ownRead = readLive(a.ui, source.sourceId, ownFrames, reading.signal, '?codec=pcm');
    // The member's stream and the own window reach the source before any PCM is written.
    await waitForSource(
      a.ui,
      (s) => s.sourceId === source.sourceId && (s.listeners ?? 0) === 2,
      'two listeners',
    );

    const clock = await groupOffsetMs(a.ui);
    const sent = toneFrames(48_000);
    const fd = openSync(fifo, 'w');
    const writtenAtMs = performance.timeOrigin + performance.now();
    writeSync(fd, new Uint8Array(sent.buffer));
    closeSync(fd);
    const deadline = Date.now() + 20_000;
    const received = () => frames.reduce((n, f) => n + (f.type === 'opus' ? f.frameCount : 0), 0);
    while (received() < 48_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Opus by default: every frame written is kept exactly once.
    const opusFrames = frames.filter((f): f is Extract<LiveFrame, { type: 'opus' }> => f.type === 'opus');
    expect(received()).toBe(48_000);
    // The own window asked for PCM: the same frames decoded, with the same stamps.
    while (
      ownFrames.reduce((n, f) => n + (f.type === 'pcm' ? f.frameCount : 0), 0) < 48_000 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    const own = ownFrames.filter((f): f is Extract<LiveFrame, { type: 'pcm' }> => f.type === 'pcm');
    expect(own.reduce((n, f) => n + f.frameCount, 0)).toBe(48_000);
    expect(own.map((f) => f.groupMs)).toEqual(opusFrames.map((f) => f.groupMs));
    // Lossy but sample-aligned: in order, the decoded frames are the tone written, frame for frame.
    let signal = 0;
    let error = 0;
    let first = 0;
    for (const f of own) {
      for (let i = 0; i < f.frameCount; i++) {
        const want = tone(first + i);
        signal += want * want;
        error += (want - (f.pcm[i * 2] as number)) ** 2;
      }
      first += f.frameCount;
    }
    expect(10 * Math.log10(signal / error)).toBeGreaterThan(25);
    // Stamped when the source peer read it + 300 ms. On a quiet machine that is within 5 ms of the write
    // (the figure `bench:live` reports); on this shared 2-core machine the peer's read was seen 0.6–35 ms
    // after the write at load 8–26, so the limit here catches gross errors (a wrong delay, a wrong clock).
    const expectedMs = writtenAtMs + clock.offsetMs + 300;
    const stampErrorMs = (opusFrames[0] as { groupMs: number }).groupMs - expectedMs;
    console.log(
      `first frame stamped ${stampErrorMs.toFixed(2)} ms after write + delay (clock read rtt ${clock.rttMs.toFixed(2)} ms)`,
    );
    expect(stampErrorMs).toBeGreaterThanOrEqual(-1 - clock.rttMs / 2);
    expect(stampErrorMs).toBeLessThanOrEqual(60 + clock.rttMs / 2);
    // Continuous frame counting: each frame starts where the last ended, or later. A source peer starved of
    // CPU for over 200 ms (seen at load 12 with other test files running) re-anchors: a jump forward, a short
    // silence, by design; audio that overlaps or goes back would be a fault.
    let jumps = 0;
    for (let i = 1; i < opusFrames.length; i++) {
      const prev = opusFrames[i - 1] as { groupMs: number; frameCount: number };
      const stepMs = opusFrames[i]!.groupMs - (prev.groupMs + (prev.frameCount * 1000) / 48_000);
      expect(stepMs, `packet ${i}`).toBeGreaterThan(-0.01);
      if (stepMs > 0.01) jumps++;
    }
    if (jumps > 0) console.log(`${jumps} re-anchors (the source peer fell behind)`);
    expect(jumps).toBeLessThan(opusFrames.length / 4);
    // The source's listing counts them (each jump is a re-anchor) and the frames dropped as too late: none,
    // since every frame written arrived.
    const listed = (await sources(a.ui)).sources.find((s) => s.sourceId === source.sourceId);
    expect(listed?.frames).toBe(48_000);
    expect(listed?.droppedFrames).toBe(0);
    expect(listed?.reanchors).toBeGreaterThanOrEqual(jumps);
    // No PCM for 2 s: a STALL frame.
    while (!frames.some((f) => f.type === 'stall') && Date.now() < deadline + 5000)
      await new Promise((r) => setTimeout(r, 50));
    expect(frames.at(-1)?.type).toBe('stall');

    // Played from the member like a track; Now Playing names it on both peers.
    const play = await apiFetch(b.ui, '/api/play', { body: { sourceId: 'line in' } });
    expect(play.status, await play.clone().text()).toBe(200);
    await waitForStatuses(
      [a.ui, b.ui],
      (ss) =>
        ss.every((s) => s.playback.state === 'playing' && s.playback.source?.sourceId === source.sourceId),
      { what: 'the source playing everywhere' },
    );
    const unknown = await apiFetch(b.ui, '/api/play', { body: { sourceId: 'no such source' } });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no live source "no such source"/);

    // The source's device leaves: the room stops the source and says why.
    reading.abort();
    await Promise.all([read, ownRead]);
    await a.stop();
    const [after] = await waitForStatuses([b.ui], (ss) => ss[0]?.playback.state === 'stopped', {
      what: 'the member to stop the source',
      timeoutMs: 20_000,
    });
    expect(after?.playback.liveStopReason).toMatch(
      /Line in: (source left the room|its device left the room)/,
    );
    expect((await sources(b.ui)).lastStop?.reason).toMatch(/left the room/);
  });

  it('restarts a program that dies with backoff, shows its error, and lists a bad URI as a clear error', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'blip.sh');
    writeFileSync(script, '#!/bin/sh\nhead -c 19200 /dev/zero\necho "no sound card here" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const a = await launchPeer({
      name: 'commands',
      args: [
        '--source',
        `command://${script}?name=Blip`,
        '--source',
        'ftp://example.invalid/x',
        '--source',
        'pipe://relative',
      ],
    });
    peers.push(a);
    const blip = await waitForSource(
      a.ui,
      (s) => s.name === 'Blip' && (s.restarts ?? 0) >= 2 && s.state === 'failed',
      'two restarts',
      20_000,
    );
    expect(blip.state).toBe('failed');
    expect(blip.error).toMatch(/exited with code 3: no sound card here; restarting in (2|4) s/);
    expect(blip.frames).toBeGreaterThanOrEqual(2 * 4800);
    const list = await sources(a.ui);
    const errors = list.sources.filter((s) => s.name !== 'Blip').map((s) => s.error);
    expect(errors).toEqual([
      expect.stringMatching(/ftp sources are not supported/),
      expect.stringMatching(/three slashes/),
    ]);
    const bad = await apiFetch(a.ui, '/api/settings', { body: { liveSources: ['ftp://radio.invalid/'] } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toMatch(/ftp sources are not supported/);
    expect((await getStatus(a.ui)).self.name).toBe('commands');
  });

  it('closes and counts a live stream that opens with a malformed frame', async () => {
    const a = await launchPeer({ name: 'target' });
    peers.push(a);
    const room = await deriveRoom('firefly');
    const rawDir = tempDir();
    raw = await createPeerNode({
      room,
      dataDir: rawDir,
      port: 0,
      listenHost: '127.0.0.1',
      bootstrap: [a.addrs[0] as string],
      mdns: false,
    });
    const node = raw;
    await expect.poll(() => node.connectedPeers(), { timeout: 30_000 }).toContain(a.peerId);
    const stream = await node.libp2p.dialProtocol(peerIdFromString(a.peerId), node.protocolId('live'), {
      signal: AbortSignal.timeout(10_000),
    });
    const closed = new Promise<void>((resolve) =>
      stream.addEventListener('close', () => resolve(), { once: true }),
    );
    // A well-formed length prefix around an OPEN frame naming no valid source id.
    stream.send(Uint8Array.of(3, 0x10, 0x2e, 0x2e));
    await closed;
    const [status] = await waitForStatuses(
      [a.ui],
      (ss) => (ss[0]?.dropped['live.serve.malformedFrame'] ?? 0) >= 1,
      {
        what: 'the malformed frame counted',
      },
    );
    expect(status?.dropped['streams.strikes']).toBeGreaterThanOrEqual(1);
  });
});
