/**
 * A live source's cover on every peer of the room (#22), between two real headless peers on loopback:
 * the source peer reads an AirPlay-style metadata pipe (shairport-sync's PICT items), and the other
 * peer's HTTP serves the same cover bytes at the same URL as the source peer's, fetched over the live
 * cover protocol; the next cover replaces it, and once the sender stops neither serves one.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveSourceInfo } from '../src/shared/live/sources';
import { authHeaders, launchPeer, stopPeers, type TestPeer } from './support/peers';
import { sourceList } from './support/live-source';
import { getStatus } from './support/status';

let peers: TestPeer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One metadata item as shairport-sync writes it. */
const item = (type: string, code: string, data = Buffer.alloc(0)) =>
  `<item><type>${Buffer.from(type).toString('hex')}</type><code>${Buffer.from(code).toString('hex')}</code>` +
  `<length>${data.length}</length>` +
  (data.length > 0 ? `\n<data encoding="base64">\n${data.toString('base64')}</data>` : '') +
  '</item>\n';

const png = (fill: number) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200_000, fill)]);

/** Polls a peer's source list until `check` holds for the source called AirPlay. */
async function waitForAirPlay(ui: string, check: (s: LiveSourceInfo) => boolean): Promise<LiveSourceInfo> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = (await sourceList(ui)).sources.find((s) => s.name === 'AirPlay');
    if (found && check(found)) return found;
    if (Date.now() > deadline) throw new Error(`${ui}: AirPlay not as expected: ${JSON.stringify(found)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function coverAt(
  ui: string,
  sourceId: string,
): Promise<{ status: number; type: string; body: Buffer }> {
  const response = await fetch(`${ui}/media/live-cover/${sourceId}`, { headers: authHeaders(ui) });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe("a live source's cover", () => {
  it("is served by the other peer's HTTP as by the source peer's", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-live-cover-'));
    dirs.push(dir);
    const metadata = path.join(dir, 'airplay.metadata');
    const a = await launchPeer({
      name: 'source',
      args: ['--source', `pipe://${dir}/airplay.fifo?name=AirPlay&metadata=${metadata}`],
    });
    peers.push(a);
    const b = await launchPeer({ name: 'member', args: ['--bootstrap', a.addrs[0] as string] });
    peers.push(b);
    const { sourceId } = await waitForAirPlay(b.ui, (s) => !s.local);
    // The source peer made the metadata pipe; until the sender sends a cover, there is none anywhere.
    expect(statSync(metadata).isFIFO()).toBe(true);
    expect((await coverAt(b.ui, sourceId)).status).toBe(404);

    const first = png(1);
    await appendFile(metadata, item('core', 'minm', Buffer.from('Sinnerman')) + item('ssnc', 'PICT', first));
    const { coverId } = await waitForAirPlay(b.ui, (s) => s.coverId !== undefined);
    expect((await sourceList(a.ui)).sources[0]?.coverId).toBe(coverId);
    for (const ui of [b.ui, a.ui, b.ui]) {
      const cover = await coverAt(ui, sourceId);
      expect(cover.status).toBe(200);
      expect(cover.type).toBe('image/png');
      expect(Buffer.compare(cover.body, first)).toBe(0);
    }

    // The next track's cover replaces it on the member too.
    const second = png(2);
    await appendFile(metadata, item('ssnc', 'PICT', second));
    await waitForAirPlay(b.ui, (s) => s.coverId !== undefined && s.coverId !== coverId);
    expect(Buffer.compare((await coverAt(b.ui, sourceId)).body, second)).toBe(0);

    // The sender stops: no cover, anywhere.
    await appendFile(metadata, item('ssnc', 'pend'));
    await waitForAirPlay(b.ui, (s) => s.coverId === undefined);
    expect((await coverAt(b.ui, sourceId)).status).toBe(404);
    expect((await coverAt(a.ui, sourceId)).status).toBe(404);
    // Nothing was dropped on either side.
    for (const ui of [a.ui, b.ui])
      expect(Object.keys((await getStatus(ui)).dropped).filter((k) => k.includes('cover'))).toEqual([]);
  });
});
