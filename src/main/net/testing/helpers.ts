import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeerNode } from '../node';
import type { PeerNode, PeerNodeInit } from '../node';

/** Waits until `predicate` holds, checking every few ms; fails with `description` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  description: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Owns the temp folders and nodes of one test file and removes them all in `cleanup()`. */
export class TestNet {
  private readonly nodes = new Set<PeerNode>();
  private readonly dirs: string[] = [];

  /** A new empty temp folder. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'ff-net-'));
    this.dirs.push(dir);
    return dir;
  }

  /** A node on 127.0.0.1, port 0 unless given, no mDNS, fast backoff. */
  async node(init: Partial<PeerNodeInit> & Pick<PeerNodeInit, 'room'>): Promise<PeerNode> {
    const node = await createPeerNode({
      dataDir: init.dataDir ?? (await this.tempDir()),
      listenHost: '127.0.0.1',
      port: 0,
      initialBackoffMs: 200,
      maxBackoffMs: 1_000,
      dialTimeoutMs: 2_000,
      ...init,
      mdns: false,
    });
    this.nodes.add(node);
    return node;
  }

  /** Stops a node early (it is skipped by `cleanup`). */
  async stop(node: PeerNode): Promise<void> {
    this.nodes.delete(node);
    await node.stop();
  }

  /** Stops every node and removes every temp folder. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.nodes].map((node) => node.stop()));
    this.nodes.clear();
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** TCP port of a node's first listen address. */
export function portOf(node: PeerNode): number {
  const addr = node.listenAddrs()[0] ?? '';
  const match = /\/tcp\/(\d+)/.exec(addr);
  if (!match?.[1]) throw new Error(`no tcp port in ${addr}`);
  return Number(match[1]);
}
