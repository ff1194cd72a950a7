/**
 * A local live source's cover reaches its windows (`/media/live-cover/<sourceId>`): shairport-sync's
 * PICT item, written to a real metadata pipe read by a real LiveService's source, is served with its
 * image type; nothing is served for a source without one or an unknown source.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveService } from '../live/live-service';
import { MediaService } from './media';

const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-live-cover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(5000, 3),
]);
const pict = (bytes: Buffer) =>
  `<item><type>73736e63</type><code>50494354</code><length>${bytes.length}</length>\n<data encoding="base64">\n${bytes.toString('base64')}</data></item>\n`;

describe('a live source’s cover', () => {
  it('is served to windows once the AirPlay sender sends it', async () => {
    const node = {
      peerId: 'QmPeer',
      protocolId: (name: string) => `/firefly/test/${name}/1.0.0`,
      libp2p: {},
    };
    const live = new LiveService({
      node: node as never,
      groupNow: () => performance.now(),
      selfName: () => 'Den',
      publish: () => undefined,
      subscribe: () => undefined,
      memberName: () => null,
    });
    const metadata = path.join(dir, 'airplay.metadata');
    live.configure([`pipe://${dir}/airplay.fifo?name=AirPlay&metadata=${metadata}`], 300);
    const media = new MediaService({
      running: () => ({ library: { library: {} }, live }) as never,
      roomTrack: () => null,
      storage: () => null,
      arriving: async () => null,
    });
    try {
      const [source] = live.list();
      const sourceId = source?.sourceId as string;
      expect(await media.media('live-cover', sourceId)).toBeNull();
      await appendFile(metadata, pict(PNG));
      await expect.poll(() => live.list()[0]?.coverId, { timeout: 5000 }).toMatch(/^[0-9a-f]{16}$/);
      const body = await media.media('live-cover', sourceId);
      expect(body).toMatchObject({ mime: 'image/png', sizeBytes: PNG.length });
      const parts: Uint8Array[] = [];
      for await (const part of body!.read(
        { start: 0, end: PNG.length },
        { signal: new AbortController().signal },
      ))
        parts.push(part);
      expect(Buffer.compare(Buffer.concat(parts), PNG)).toBe(0);
      expect(await media.media('live-cover', 'unknown-0123456789ab')).toBeNull();
    } finally {
      live.configure([], 300);
    }
  });
});
