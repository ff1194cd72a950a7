/**
 * Swarm transfer benchmark on loopback (`npx tsx bench/swarm.ts`).
 *
 * 1. Single pair: one seeder, one fetcher, a ~50 MB file: transfer rate (target ≥ 150 MB/s).
 *    Measured with the seeder in its own process (as on two PCs, each end has a core) and, for
 *    comparison, with both ends sharing this process's one thread.
 * 2. Swarm: one seeder (own process) and 7 fetchers (all in this process) fetching the same file at
 *    once: bytes the seeder uploaded ÷ file size (target ≤ 2×) and completion time against the
 *    single-source fetch. Fetchers learn about each other's partial copies through WATCH on the
 *    chunk protocol (a bitmap, then pushed indices of newly stored chunks) and serve what they have;
 *    each fetcher asks for the rarest chunk a peer can give, so the seeder is asked mostly for
 *    chunks no fetcher has yet.
 *
 * Every peer is a real libp2p node on 127.0.0.1 (TCP, pnet, Noise, Yamux) with its own SQLite index
 * and chunk store (atomic writes, verified reads) in a temp folder (`TMPDIR` moves it); nothing is
 * mocked. For the two-process pair the CPU time of each end's threads is read from /proc (Linux): the
 * main thread, V8's helper threads (mostly the garbage collector) and libuv's pool (file system
 * calls). The cost of creating a file in the temp folder is measured too: the chunk store makes one
 * file per chunk, so where that cost is high it bounds the rate.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lpStream } from '@libp2p/utils';
import { noiseCipher } from '../src/main/net/noise-crypto';
import { pnetCipher } from '../src/main/net/pnet';
import { deriveRoom } from '../src/main/net/room';
import { CHUNKING } from '../src/shared/chunking/fastcdc';
import { TestNet, waitFor } from '../src/main/net/testing/helpers';
import { noiseLibrary, startSwarmPeer, type SwarmPeer } from '../src/main/swarm/testing/swarm-peer';

const FILE_BYTES = 50 * 1024 * 1024;
const FETCHERS = 7;
const MB = 1e6;
const PAIR_TARGET_MB_S = 150;
const SEEDER_UPLOAD_TARGET = 2;

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** CPU milliseconds per thread kind (main, V8 helpers, libuv pool) of a process, from /proc; empty elsewhere. */
function threadCpuMs(pid: number | 'self'): Map<string, number> {
  const byKind = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byKind;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
      const kind =
        name === 'MainThread' || name === 'node'
          ? 'main'
          : name.startsWith('V8')
            ? 'V8 helpers'
            : name.startsWith('libuv')
              ? 'libuv pool'
              : 'other';
      byKind.set(kind, (byKind.get(kind) ?? 0) + ms);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byKind;
}

const cpuSince = (before: Map<string, number>, after: Map<string, number>): string =>
  [...after]
    .map(([kind, ms]) => [kind, ms - (before.get(kind) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .map(([kind, ms]) => `${kind} ${fmt(ms, 0)}`)
    .join(', ') || 'n/a';

/** Median CPU cost (µs) of creating and closing one empty file in `dir`: the chunk store's per-chunk floor. */
function fileCreateMicros(dir: string, files = 200): number {
  const started = process.cpuUsage();
  for (let i = 0; i < files; i++)
    closeSync(openSync(join(dir, `probe-${i}-${randomBytes(4).toString('hex')}`), 'wx'));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / files;
}

interface RemoteSeeder {
  pid: number;
  addrs: string[];
  trackId: string;
  sizeBytes: number;
  bytesServed(): Promise<number>;
  stop(): Promise<void>;
}

/** Runs a seeder in a child process (this file with `--seed`), talking JSON lines over stdio. */
async function spawnSeeder(dir: string, passphrase: string): Promise<RemoteSeeder> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--seed', dir, passphrase],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const queue: ((line: string) => void)[] = [];
  lines.on('line', (line) => queue.shift()?.(line));
  const next = () => new Promise<string>((resolve) => queue.push(resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = JSON.parse(await next()) as { addrs: string[]; trackId: string; sizeBytes: number };
  return {
    ...ready,
    pid: child.pid!,
    bytesServed: async () => {
      const answer = next();
      child.stdin.write('stats\n');
      return (JSON.parse(await answer) as { bytesServed: number }).bytesServed;
    },
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

async function seedProcess(dir: string, passphrase: string): Promise<void> {
  const net = new TestNet();
  const seed = await startSwarmPeer({ net, room: await deriveRoom(passphrase), libraryDir: dir });
  const track = seed.lib.library.list()[0]!;
  console.log(
    JSON.stringify({ addrs: seed.node.listenAddrs(), trackId: track.id, sizeBytes: track.sizeBytes }),
  );
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stats') console.log(JSON.stringify({ bytesServed: seed.server.stats().bytesServed }));
  }
  await seed.stop();
  await net.cleanup();
}

async function fetchOnce(
  net: TestNet,
  passphrase: string,
  bootstrap: string[],
  trackId: string,
  seederPid: number,
): Promise<number> {
  const fetcher = await startSwarmPeer({ net, room: await deriveRoom(passphrase), bootstrap });
  try {
    await waitFor(
      () => fetcher.catalog.holdersOf(trackId).length === 1,
      'fetcher knows the seeder holds the track',
      30_000,
    );
    const [fetcherBefore, seederBefore] = [threadCpuMs('self'), threadCpuMs(seederPid)];
    const { durationMs } = await fetcher.fetcher.fetchTrack(trackId);
    console.log(
      `  CPU ms during the fetch: fetcher ${cpuSince(fetcherBefore, threadCpuMs('self'))}; seeder ${cpuSince(seederBefore, threadCpuMs(seederPid))}`,
    );
    return durationMs;
  } finally {
    await fetcher.stop();
  }
}

async function singlePair(net: TestNet, dir: string): Promise<number> {
  const passphrase = `bench-pair-${randomBytes(4).toString('hex')}`;
  const remote = await spawnSeeder(dir, passphrase);
  let twoProcessMs: number;
  try {
    twoProcessMs = await fetchOnce(net, passphrase, remote.addrs, remote.trackId, remote.pid);
  } finally {
    await remote.stop();
  }
  const rate = remote.sizeBytes / MB / (twoProcessMs / 1000);
  console.log(
    `single pair, seeder in its own process: ${fmt(remote.sizeBytes / MB)} MB in ${fmt(twoProcessMs, 0)} ms = ${fmt(rate)} MB/s` +
      `   target ≥ ${PAIR_TARGET_MB_S} MB/s: ${rate >= PAIR_TARGET_MB_S ? 'met' : 'NOT met'}`,
  );

  const room = await deriveRoom(`bench-pair1-${randomBytes(4).toString('hex')}`);
  const seed = await startSwarmPeer({ net, room, libraryDir: dir });
  try {
    const track = seed.lib.library.list()[0]!;
    const fetcher = await startSwarmPeer({ net, room, bootstrap: seed.node.listenAddrs() });
    try {
      await waitFor(
        () => fetcher.catalog.holdersOf(track.id).length === 1,
        'fetcher knows the holder',
        30_000,
      );
      const oneProcessMs = (await fetcher.fetcher.fetchTrack(track.id)).durationMs;
      console.log(
        `single pair, both ends on one thread:   ${fmt(track.sizeBytes / MB / (oneProcessMs / 1000))} MB/s (both ends' crypto, hashing and disk on one core; for comparison)`,
      );
    } finally {
      await fetcher.stop();
    }
  } finally {
    await seed.stop();
  }
  return twoProcessMs;
}

async function swarm(net: TestNet, dir: string, singleMs: number): Promise<void> {
  const passphrase = `bench-swarm-${randomBytes(4).toString('hex')}`;
  const room = await deriveRoom(passphrase);
  const remote = await spawnSeeder(dir, passphrase);
  const fetchers: SwarmPeer[] = [];
  try {
    for (let i = 0; i < FETCHERS; i++) {
      const bootstrap = [...remote.addrs, ...fetchers.flatMap((p) => p.node.listenAddrs())];
      fetchers.push(await startSwarmPeer({ net, room, bootstrap }));
    }
    await waitFor(
      () =>
        fetchers.every(
          (f) =>
            f.catalog.holdersOf(remote.trackId).length === 1 &&
            fetchers.every((o) => o === f || f.node.connectedPeers().includes(o.node.peerId)),
        ),
      'full mesh and catalogs synced',
      60_000,
    );
    const uploadedBefore = await remote.bytesServed();
    const started = performance.now();
    const results = await Promise.all(fetchers.map((f) => f.fetcher.fetchTrack(remote.trackId)));
    const totalMs = performance.now() - started;
    const seederUp = (await remote.bytesServed()) - uploadedBefore;
    const ratio = seederUp / remote.sizeBytes;
    console.log(
      `swarm, 1 seeder + ${FETCHERS} fetchers: every fetcher done after ${fmt(totalMs, 0)} ms; a single-source fetch took ${fmt(singleMs, 0)} ms` +
        ` (${fmt(totalMs / singleMs, 2)}× the time for ${FETCHERS}× the data)`,
    );
    console.log(
      `  seeder uploaded ${fmt(seederUp / MB)} MB = ${fmt(ratio, 2)}× the file   target ≤ ${SEEDER_UPLOAD_TARGET}×: ${ratio <= SEEDER_UPLOAD_TARGET ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  fetchers uploaded ${fetchers.map((f) => fmt(f.server.stats().bytesServed / MB)).join(', ')} MB to each other`,
    );
    console.log(
      `  aggregate download ${fmt((FETCHERS * remote.sizeBytes) / MB / (totalMs / 1000))} MB/s; bad chunks ${results.reduce((n, r) => n + r.badChunks, 0)}`,
    );
  } finally {
    for (const f of fetchers) await f.stop();
    await remote.stop();
  }
}

/** Raw libp2p throughput: 64 KiB frames on one stream between two nodes of this process. */
async function streamCeiling(net: TestNet): Promise<void> {
  const room = await deriveRoom(`bench-raw-${randomBytes(4).toString('hex')}`);
  const a = await net.node({ room });
  const b = await net.node({ room });
  const protocol = a.protocolId('bench-raw');
  const received = new Promise<number>((resolve) => {
    void a.libp2p.handle(protocol, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: 1 << 20 });
      const started = performance.now();
      let bytes = 0;
      while (bytes < FILE_BYTES) bytes += (await lp.read()).byteLength;
      resolve(bytes / MB / ((performance.now() - started) / 1000));
      await stream.close();
    });
  });
  await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]!);
  const stream = await b.libp2p.dialProtocol(a.libp2p.peerId, protocol);
  const lp = lpStream(stream, { maxDataLength: 1 << 20 });
  const frame = randomBytes(64 * 1024);
  for (let sent = 0; sent < FILE_BYTES; sent += frame.length) await lp.write(frame);
  const rate = await received;
  await stream.close().catch(() => undefined);
  await net.stop(a);
  await net.stop(b);
  console.log(
    `libp2p stream ceiling, both ends on one thread: ${fmt(rate)} MB/s (no protocol, no hashing, no disk)`,
  );
}

async function main(): Promise<void> {
  const net = new TestNet();
  try {
    const dir = await noiseLibrary(net, FILE_BYTES, 0xf1ef1e);
    console.log(
      `file: ${fmt(FILE_BYTES / MB)} MB noise WAV on loopback; TCP + pnet + Noise + Yamux (ciphers: pnet ${pnetCipher()}, Noise ${noiseCipher()}); chunk store on disk`,
    );
    console.log(
      `creating one empty file in the temp folder (${tmpdir()}) costs ${fmt(fileCreateMicros(await net.tempDir()), 0)} µs of CPU; the store makes one per ${fmt(CHUNKING.avgBytes / 1024, 0)} KiB chunk`,
    );
    await streamCeiling(net);
    const singleMs = await singlePair(net, dir);
    await swarm(net, dir, singleMs);
  } finally {
    await net.cleanup();
  }
}

const run = process.argv[2] === '--seed' ? seedProcess(process.argv[3]!, process.argv[4]!) : main();
run.catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
