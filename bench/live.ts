/**
 * `npm run bench:live` (#22): a headless source peer reads a FIFO that this script feeds in real time
 * (48 kHz s16 stereo, 20 ms writes), and `--listeners N` (default 8) real libp2p nodes of the room
 * listen to it over the `live` protocol. Prints, over `--sec S` (default 20):
 * - bytes per second each listener receives (Opus at 128 kb/s by default; `--pcm` for PCM: 192 000
 *   B/s of samples plus frame headers);
 * - the source peer's CPU (user + system, % of one core) while it serves them, and idle before;
 * - write → stamp: how far each write's first frame is stamped after write time + delay (target ±5 ms);
 * - margin: how long before its group time each frame reaches a listener (the delay less transport);
 * - then, acoustically (`live-acoustic.ts`, skipped without PulseAudio; `--no-acoustic` skips it,
 *   `--acoustic-only` runs it alone, `--clicks N` per take, default 60, `--settle-sec N`, default 30):
 *   source-to-speaker latency with the default delay and with 200 ms, and the offset between two
 *   peers' windows playing the source (`--pcm` there too).
 *
 * Runs the built peer (`npm run build` first) with FIREFLY_PEER_BUILT=1, else the sources through tsx.
 */
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureLiveAcoustic } from './live-acoustic';
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { decodeLiveFrame, encodeOpenFrame, liveLimits } from '../src/shared/live/frames';
import { OPUS_LOOKAHEAD_FRAMES } from '../src/shared/live/opus-run';
import { createPeerNode, type PeerNode } from '../src/main/net/node';
import { deriveRoom } from '../src/main/net/room';
import { groupOffsetMs, pipeSource, sourceList } from '../test/support/live-source';
import { launchPeer, stopPeers, type TestPeer } from '../test/support/peers';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const LISTENERS = arg('--listeners', 8);
const SECONDS = arg('--sec', 20);
const DELAY_MS = 300;
const PCM = process.argv.includes('--pcm');

const cpuSec = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-bench-live-'));
  const pipe = pipeSource('Bench', PCM ? 'codec=pcm' : '');
  const peers: TestPeer[] = [];
  const nodes: PeerNode[] = [];
  try {
    const source = await launchPeer({
      name: 'source',
      args: ['--live-delay-ms', String(DELAY_MS), '--source', pipe.uri],
    });
    peers.push(source);
    const pid = source.process.pid as number;
    let list = await sourceList(source.ui);
    while (!list.sources[0]) list = await sourceList(source.ui);
    const sourceId = list.sources[0].sourceId;
    // Group time minus this process's clock, from the shortest of a few round trips.
    const { offsetMs, rttMs: bestRtt } = await groupOffsetMs(source.ui);

    const room = await deriveRoom('firefly');
    const received = new Array<number>(LISTENERS).fill(0);
    const marginsMs: number[] = [];
    const stamps: { groupMs: number; atMs: number }[] = [];
    let measuring = false;
    for (let i = 0; i < LISTENERS; i++) {
      const node = await createPeerNode({
        room,
        dataDir: path.join(dir, `listener-${i}`),
        port: 0,
        listenHost: '127.0.0.1',
        bootstrap: [source.addrs[0] as string],
        mdns: false,
      });
      nodes.push(node);
      while (!node.connectedPeers().includes(source.peerId)) await sleep(50);
      const stream = await node.libp2p.dialProtocol(peerIdFromString(source.peerId), node.protocolId('live'));
      const lp = lpStream(stream, { maxDataLength: liveLimits.maxFrameBytes });
      await lp.write(encodeOpenFrame(sourceId));
      void (async () => {
        for (;;) {
          const bytes = (await lp.read()).subarray();
          const arrivedMs = now() + offsetMs;
          if (measuring) received[i] = (received[i] ?? 0) + bytes.length;
          const frame = decodeLiveFrame(bytes);
          if (frame.ok && (frame.value.type === 'pcm' || frame.value.type === 'opus')) {
            if (measuring) marginsMs.push(frame.value.groupMs - arrivedMs);
            // An Opus packet's first kept frame is its input's first less the encoder's look-ahead
            // (but for a run's first packet, which skips it): stamp of the write it came from.
            const v = frame.value;
            const inputMs =
              v.type === 'opus' ? v.groupMs + ((OPUS_LOOKAHEAD_FRAMES - v.skip) * 1000) / 48_000 : v.groupMs;
            if (i === 0) stamps.push({ groupMs: inputMs, atMs: arrivedMs });
          }
        }
      })().catch(() => undefined);
    }
    while (((await sourceList(source.ui)).sources[0]?.listeners ?? 0) < LISTENERS) await sleep(100);

    const idleStart = cpuSec(pid);
    await sleep(5000);
    const idlePct = ((cpuSec(pid) - idleStart) / 5) * 100;

    // Real-time writer: 20 ms of PCM every 20 ms, a ramp so nothing is silent.
    const fd = openSync(pipe.fifo, 'w');
    const chunk = new Int16Array(960 * 2);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 37) % 20000;
    const writeTimesMs: number[] = [];
    const startMs = now();
    let written = 0;
    const warmupSec = 2;
    let cpuStart = 0;
    let measureStartMs = 0;
    while (now() - startMs < (SECONDS + warmupSec) * 1000) {
      const due = startMs + written * 20;
      if (now() < due) await sleep(due - now());
      if (!measuring && now() - startMs >= warmupSec * 1000) {
        measuring = true;
        cpuStart = cpuSec(pid);
        measureStartMs = now();
      }
      const at = now();
      writeSync(fd, new Uint8Array(chunk.buffer));
      writeTimesMs.push(at + offsetMs);
      written++;
    }
    const spanSec = (now() - measureStartMs) / 1000;
    const cpuPct = ((cpuSec(pid) - cpuStart) / spanSec) * 100;
    measuring = false;

    await sleep(DELAY_MS + 500);
    // Each write of 960 frames is one 20 ms packet (packets are cut from the stream's start): packet k
    // against write k + delay, over the measured span.
    const stampErrors: number[] = [];
    const firstStamp = stamps[0]?.groupMs ?? NaN;
    const firstWrite = writeTimesMs[0] ?? NaN;
    const fromPacket = warmupSec * 50;
    for (let k = fromPacket; k < Math.min(stamps.length, writeTimesMs.length); k++) {
      stampErrors.push((stamps[k]?.groupMs ?? NaN) - ((writeTimesMs[k] ?? NaN) + DELAY_MS));
    }
    const perListener = received.map((bytes) => bytes / spanSec);
    console.log(
      `listeners                ${LISTENERS} (real libp2p nodes, one stream each), ${spanSec.toFixed(1)} s`,
    );
    console.log(
      `bytes/s per listener     median ${quantile(perListener, 0.5).toFixed(0)} (min ${Math.min(...perListener).toFixed(0)}, max ${Math.max(...perListener).toFixed(0)}); ${PCM ? 'PCM' : 'Opus 128 kb/s'}; PCM alone is 192000`,
    );
    console.log(
      `source CPU               ${cpuPct.toFixed(1)} % of one core serving (idle ${idlePct.toFixed(1)} %)`,
    );
    console.log(
      `first stamp − (write + delay)  ${(firstStamp - (firstWrite + DELAY_MS)).toFixed(2)} ms (target ±5 ms; clock read rtt ${bestRtt.toFixed(2)} ms)`,
    );
    console.log(
      `stamp − (write + delay)  median ${quantile(stampErrors, 0.5).toFixed(2)} ms, p95 ${quantile(stampErrors, 0.95).toFixed(2)} ms, max ${Math.max(...stampErrors).toFixed(2)} ms (writer paced by this script's timers)`,
    );
    console.log(
      `margin at listeners      median ${quantile(marginsMs, 0.5).toFixed(1)} ms, p5 ${quantile(marginsMs, 0.05).toFixed(1)} ms, min ${Math.min(...marginsMs).toFixed(1)} ms before the frame is due (delay ${DELAY_MS} ms)`,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await stopPeers(peers);
    rmSync(dir, { recursive: true, force: true });
    pipe.remove();
  }
}

if (!process.argv.includes('--acoustic-only')) await main();
if (!process.argv.includes('--no-acoustic'))
  await measureLiveAcoustic({
    clicks: arg('--clicks', 60),
    settleSec: arg('--settle-sec', 30),
    codec: PCM ? 'pcm' : 'opus',
  });
process.exit(0);
