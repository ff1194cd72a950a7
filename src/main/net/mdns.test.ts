import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// mDNS multicasts on every interface it sees, so it only ever runs inside a network
// namespace made here, whose only interface is its own loopback.
const namespace = `ff-test-${randomBytes(4).toString('hex')}`;
let skipReason: string | null = null;
let dataRoot = '';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

beforeAll(async () => {
  try {
    ip('netns', 'add', namespace);
  } catch (error) {
    skipReason = `cannot create a network namespace (${(error as Error).message.split('\n')[0]}); mDNS is never tested on real interfaces`;
    console.warn(`mDNS discovery test skipped: ${skipReason}`);
    return;
  }
  ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
  ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'multicast', 'on');
  ip('netns', 'exec', namespace, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
  dataRoot = await mkdtemp(join(tmpdir(), 'ff-mdns-'));
});

afterAll(async () => {
  if (skipReason === null) {
    try {
      ip('netns', 'delete', namespace);
    } catch {
      // already gone
    }
  }
  if (dataRoot !== '') await rm(dataRoot, { recursive: true, force: true });
});

interface PeerProcess {
  child: ChildProcessWithoutNullStreams;
  peerId: Promise<string>;
  connectedTo: Set<string>;
  waitConnected(peerId: string, timeoutMs: number): Promise<void>;
}

function startPeer(name: string, passphrase: string): PeerProcess {
  const script = join(import.meta.dirname, 'testing', 'mdns-peer.ts');
  const child = spawn(
    'ip',
    ['netns', 'exec', namespace, 'npx', 'tsx', script, join(dataRoot, name), passphrase],
    { stdio: 'pipe' },
  );
  const connectedTo = new Set<string>();
  const waiters: Array<() => void> = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const peerId = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: { event?: string; peerId?: string };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      if (event.event === 'ready' && event.peerId) resolve(event.peerId);
      if (event.event === 'connected' && event.peerId) connectedTo.add(event.peerId);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  return {
    child,
    peerId,
    connectedTo,
    waitConnected: (other, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`${name} did not connect to ${other} within ${timeoutMs} ms; stderr: ${stderr}`),
            ),
          timeoutMs,
        );
        const check = (): void => {
          if (connectedTo.has(other)) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

async function stopPeer(peer: PeerProcess): Promise<void> {
  if (peer.child.exitCode !== null) return;
  const exited = new Promise((resolve) => peer.child.once('exit', resolve));
  peer.child.stdin.end();
  const killer = setTimeout(() => peer.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

describe('mDNS discovery (inside a private network namespace)', () => {
  it('lets two peers of one room find and connect to each other without bootstrap', async (context) => {
    if (skipReason !== null) {
      context.skip(skipReason);
      return;
    }
    const first = startPeer('first', 'mdns-room');
    const second = startPeer('second', 'mdns-room');
    const stranger = startPeer('stranger', 'another-room');
    try {
      const [firstId, secondId, strangerId] = await Promise.all([
        first.peerId,
        second.peerId,
        stranger.peerId,
      ]);
      await Promise.all([first.waitConnected(secondId, 30_000), second.waitConnected(firstId, 30_000)]);
      // Rooms advertise under their own mDNS tag, so the stranger is never even dialled.
      expect(first.connectedTo.has(strangerId)).toBe(false);
      expect(stranger.connectedTo.size).toBe(0);
    } finally {
      await Promise.all([stopPeer(first), stopPeer(second), stopPeer(stranger)]);
    }
  }, 90_000);

  it('forms a room of full peers that elect the highest one, and leaves out a peer started with --no-mdns', async (context) => {
    if (skipReason !== null) {
      context.skip(skipReason);
      return;
    }
    const high = startHeadless('high', ['--priority', '10']);
    const low = startHeadless('low', []);
    const hidden = startHeadless('hidden', ['--no-mdns']);
    try {
      const [highPeer, lowPeer, hiddenPeer] = await Promise.all([high.ready, low.ready, hidden.ready]);
      const agreed = async (): Promise<boolean> => {
        const [a, b] = await Promise.all([statusOf(highPeer), statusOf(lowPeer)]);
        // Each lists the other as a member (a peer's list leaves itself out) and follows the higher one.
        return (
          a.leader?.peerId === highPeer.peerId &&
          b.leader?.peerId === highPeer.peerId &&
          a.members.some((m) => m.peerId === lowPeer.peerId) &&
          b.members.some((m) => m.peerId === highPeer.peerId)
        );
      };
      await expect.poll(agreed, { timeout: 45_000, interval: 500 }).toBe(true);
      // A few more seconds of mDNS announcements: the --no-mdns peer is still alone, and nobody lists it.
      await new Promise((done) => setTimeout(done, 4_000));
      const [a, b, c] = await Promise.all([statusOf(highPeer), statusOf(lowPeer), statusOf(hiddenPeer)]);
      expect(a.members.map((m) => m.peerId)).not.toContain(hiddenPeer.peerId);
      expect(b.members.map((m) => m.peerId)).not.toContain(hiddenPeer.peerId);
      expect(c.config.connectedPeers).toEqual([]);
      expect(c.config.mdns).toBe(false);
      expect(a.config.mdns).toBe(true);
      expect(b.leader?.epoch).toBe(a.leader?.epoch);
    } finally {
      await Promise.all([high.stop(), low.stop(), hidden.stop()]);
    }
  }, 120_000);
});

interface StatusView {
  leader: { peerId: string; epoch: number } | null;
  members: { peerId: string }[];
  config: { connectedPeers: string[]; mdns: boolean };
}

/** A full headless peer (`firefly-peer`) inside the namespace, with no bootstrap list. */
function startHeadless(name: string, flags: string[]) {
  const entry = resolve(import.meta.dirname, '..', 'headless.ts');
  const dataDir = join(dataRoot, `headless-${name}`);
  const child = spawn(
    'ip',
    [
      ...['netns', 'exec', namespace, process.execPath, '--import', 'tsx', entry],
      ...['--name', name, '--data', dataDir, '--host', '127.0.0.1'],
      ...['--port', '0', '--ui-port', '0', ...flags],
    ],
    { stdio: 'pipe' },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const ready = new Promise<{ peerId: string; ui: string }>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}: ${output}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^firefly-peer ready (.*)$/.exec(line);
      if (match) done(JSON.parse(match[1]!) as { peerId: string; ui: string });
    });
  }).then(async (info) => ({ ...info, token: (await readFile(join(dataDir, 'api-token'), 'utf8')).trim() }));
  return {
    ready,
    async stop(): Promise<void> {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A peer's /api/status, fetched from inside the namespace (its UI listens there). */
async function statusOf({ ui, token }: { ui: string; token: string }): Promise<StatusView> {
  const headers = JSON.stringify({ authorization: `Bearer ${token}` });
  const script = `fetch(${JSON.stringify(new URL('/api/status', ui).href)}, { headers: ${headers} }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const text = execFileSync('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return JSON.parse(text) as StatusView;
}
