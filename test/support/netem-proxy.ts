/**
 * A userspace stand-in for `tc netem` (not available in this kernel): a TCP proxy on 127.0.0.1
 * that delays every chunk it forwards.
 *
 * - Delay: each chunk waits a uniformly random time in [meanDelayMs − jitterMs, meanDelayMs + jitterMs],
 *   per direction, so a round trip sees two independent delays.
 * - Order: TCP never reorders, so a chunk is never released before the one ahead of it in the same
 *   direction (release time = max(previous release, arrival + delay)); a jittery path therefore
 *   also shows head-of-line blocking, as real TCP does.
 * - "Loss": TCP never loses data, it retransmits. A lost segment shows up as one chunk arriving
 *   about an RTO late (200 ms, Linux's minimum) and everything behind it waiting too. So a
 *   fraction `lossRate` of chunks gets `lossPenaltyMs` of extra delay.
 * - Timing: netem releases packets from kernel high-resolution timers. Node's timers fire on whole
 *   milliseconds, which would add up to 1 ms of extra, direction-independent error to every chunk;
 *   so a timer wakes the proxy shortly before a release is due and it then polls (setImmediate,
 *   so socket I/O still runs) until the exact release time. Releases land within tens of
 *   microseconds of their due time on an idle machine.
 */
import net from 'node:net';
import { freePort } from '../../src/main/net/testing/helpers';
import { seededRandom } from '../../src/shared/random';

export interface NetemOptions {
  meanDelayMs: number;
  jitterMs: number;
  lossRate: number;
  lossPenaltyMs: number;
  /** Seed for the delay sequence, so runs are comparable. */
  seed: number;
  /** A link this fast each way (bytes per second): a chunk leaves no sooner than the bytes ahead of it allow. Unlimited if absent. */
  bytesPerSec?: number;
}

export interface NetemProxy {
  port: number;
  /** Chunks and bytes forwarded (both directions), and the chunks given a loss penalty. */
  stats: { chunks: number; bytes: number; lossEvents: number };
  close(): Promise<void>;
}

/** A timer wakes the proxy this long before a release is due (Node timers are late by up to ~1 ms). */
const TIMER_SLACK_MS = 1.5;

/** Starts a delaying proxy on 127.0.0.1 (any port) in front of targetPort. */
export async function startNetemProxy(targetPort: number, options: NetemOptions): Promise<NetemProxy> {
  const random = seededRandom(options.seed);
  const stats = { chunks: 0, bytes: 0, lossEvents: 0 };
  const sockets = new Set<net.Socket>();

  // One queue and one timer per direction: separate timers per chunk could fire out of order
  // (Node rounds timer durations to whole ms), and a reordered chunk breaks the encrypted stream.
  const pipeDelayed = (from: net.Socket, to: net.Socket) => {
    const queue: { releaseMs: number; chunk: Buffer | null }[] = [];
    let timer: NodeJS.Timeout | null = null;
    let lastReleaseMs = 0;
    let polling = false;
    const flush = () => {
      timer = null;
      polling = false;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.releaseMs <= now) {
        const { chunk } = queue.shift()!;
        if (to.destroyed) continue;
        if (chunk === null) to.end();
        else to.write(chunk);
      }
      if (queue.length > 0) schedule(queue[0]!.releaseMs - now);
    };
    /** Sleeps on a timer while the next release is far, then polls until it is due. */
    const schedule = (dueInMs: number) => {
      if (dueInMs > TIMER_SLACK_MS) {
        timer = setTimeout(flush, dueInMs - TIMER_SLACK_MS);
      } else {
        polling = true;
        setImmediate(flush);
      }
    };
    /** When the link has sent everything queued before (with a rate limit). */
    let linkFreeMs = 0;
    const enqueue = (chunk: Buffer | null, delayMs: number) => {
      const now = performance.now();
      let earliest = now + delayMs;
      if (options.bytesPerSec && chunk) {
        linkFreeMs = Math.max(linkFreeMs, now) + (chunk.length * 1000) / options.bytesPerSec;
        earliest = Math.max(earliest, linkFreeMs + delayMs);
      }
      lastReleaseMs = Math.max(lastReleaseMs, earliest);
      queue.push({ releaseMs: lastReleaseMs, chunk });
      if (timer === null && !polling) schedule(queue[0]!.releaseMs - now);
    };
    from.on('data', (chunk: Buffer) => {
      stats.chunks++;
      stats.bytes += chunk.length;
      let delay = options.meanDelayMs + (2 * random() - 1) * options.jitterMs;
      if (random() < options.lossRate) {
        delay += options.lossPenaltyMs;
        stats.lossEvents++;
      }
      enqueue(chunk, delay);
    });
    from.on('end', () => enqueue(null, 0));
    from.on('error', () => to.destroy());
    from.on('close', () => {
      if (queue.length === 0) to.end();
    });
  };

  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    port: address.port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A route to a peer's loopback multiaddr through a proxy that delays every packet `delayMs` each way (on a
 * link of `bytesPerSec` if given): the proxy (close it after) and the multiaddr to dial instead.
 */
export async function delayedRoute(
  addr: string,
  delayMs: number,
  bytesPerSec?: number,
): Promise<{ proxy: NetemProxy; addr: string }> {
  const port = Number(/\/tcp\/(\d+)\//.exec(addr)?.[1]);
  if (!port) throw new Error(`not a TCP multiaddr: ${addr}`);
  const proxy = await startNetemProxy(port, {
    meanDelayMs: delayMs,
    jitterMs: 0,
    lossRate: 0,
    lossPenaltyMs: 0,
    seed: 1,
    ...(bytesPerSec ? { bytesPerSec } : {}),
  });
  return { proxy, addr: addr.replace(`/tcp/${port}/`, `/tcp/${proxy.port}/`) };
}

/**
 * A peer reachable only through a delaying proxy (on a link of `bytesPerSec` if given): the arguments that
 * make it listen on a free port and announce the proxy's address instead (so no peer learns a direct route),
 * the proxy's multiaddr for others to bootstrap to, and the proxy (close it after).
 */
export async function behindProxy(
  delayMs: number,
  bytesPerSec?: number,
): Promise<{ proxy: NetemProxy; args: string[]; addr: string }> {
  const port = await freePort();
  const { proxy, addr } = await delayedRoute(`/ip4/127.0.0.1/tcp/${port}/`, delayMs, bytesPerSec);
  const reach = addr.replace(/\/$/, '');
  return { proxy, args: ['--port', String(port), '--announce', reach], addr: reach };
}
