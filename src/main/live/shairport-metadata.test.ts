import { appendFile } from 'node:fs/promises';
import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveSource } from './live-source';
import { MetadataParser, NowPlayingFromMetadata, type MetadataItem } from './shairport-metadata';
import { parseSource } from './uri';

/** One item as shairport-sync writes it to its metadata pipe. */
/** The 8 bytes a PNG starts with, and a little more. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function item(type: string, code: string, data?: string | Buffer): string {
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
  const bytes = data === undefined ? null : Buffer.from(data);
  return (
    `<item><type>${hex(type)}</type><code>${hex(code)}</code><length>${bytes?.length ?? 0}</length>` +
    (bytes ? `\n<data encoding="base64">\n${bytes.toString('base64')}</data>` : '') +
    '</item>\n'
  );
}

describe("shairport-sync's metadata pipe", () => {
  it('splits items across any cuts of the stream, and skips what it cannot read', () => {
    const text =
      item('ssnc', 'mdst') +
      item('core', 'asar', 'Nina Simone') +
      'garbage' +
      item('core', 'minm', 'Sinnerman');
    for (const cut of [1, 7, 50, text.length]) {
      const parser = new MetadataParser();
      const items: MetadataItem[] = [];
      for (let at = 0; at < text.length; at += cut) items.push(...parser.push(text.slice(at, at + cut)));
      expect(items.map((i) => [i.type, i.code, i.data.toString()])).toEqual([
        ['ssnc', 'mdst', ''],
        ['core', 'asar', 'Nina Simone'],
        ['core', 'minm', 'Sinnerman'],
      ]);
      expect(parser.skipped).toBe(1);
    }
  });

  it('drops an item too large to keep (a cover) and reads on after it', () => {
    const parser = new MetadataParser(100);
    expect(
      parser.push(`<item><type>73736e63</type><code>50494354</code><length>999</length>${'x'.repeat(200)}`),
    ).toEqual([]);
    expect(parser.push('</item>' + item('core', 'minm', 'After')).map((i) => i.data.toString())).toEqual([
      'After',
    ]);
    expect(parser.skipped).toBeGreaterThan(0);
  });

  it('gives title, artist and cover while the sender plays, and nothing once it stops', () => {
    const np = new NowPlayingFromMetadata();
    const take = (type: string, code: string, data: string | Buffer = '') =>
      np.take({ type, code, data: Buffer.from(data) });
    expect(take('core', 'minm', 'Sinnerman')).toEqual({
      title: 'Sinnerman',
      artist: null,
      cover: null,
      coverUrl: null,
    });
    expect(take('core', 'asar', 'Nina Simone')).toMatchObject({ title: 'Sinnerman', artist: 'Nina Simone' });
    expect(take('core', 'asar', 'Nina Simone')).toBeUndefined();
    expect(take('ssnc', 'prgr', '1/2/3')).toBeUndefined();
    expect(take('ssnc', 'PICT', PNG)).toMatchObject({
      cover: { mime: 'image/png', bytes: new Uint8Array(PNG) },
    });
    expect(take('ssnc', 'PICT', PNG)).toBeUndefined();
    // Bytes that are no image are no cover.
    expect(take('ssnc', 'PICT', 'not an image')).toMatchObject({ cover: null });
    // A cover URL (the librespot hook's) replaces the image, and the image the URL.
    expect(take('ffly', 'curl', 'https://i.scdn.co/image/ab')).toMatchObject({
      cover: null,
      coverUrl: 'https://i.scdn.co/image/ab',
    });
    expect(take('ffly', 'curl', 'https://i.scdn.co/image/ab')).toBeUndefined();
    expect(take('ssnc', 'PICT', PNG)).toMatchObject({ cover: { mime: 'image/png' }, coverUrl: null });
    expect(take('ffly', 'curl', 'x'.repeat(3000))).toMatchObject({ cover: null, coverUrl: null });
    expect(take('ssnc', 'pend')).toEqual({ title: null, artist: null, cover: null, coverUrl: null });
  });

  it("makes what the metadata pipe says the source's title", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-metadata-'));
    const metadata = path.join(dir, 'shairport.metadata');
    const spec = parseSource(`pipe://${dir}/audio.fifo?name=AirPlay&metadata=${metadata}`, 'QmPeer', 'Den');
    const source = new LiveSource(spec, { groupNow: () => performance.now() });
    source.start();
    try {
      const fd = openSync(metadata, 'w');
      writeSync(fd, item('core', 'asar', 'Nina Simone') + item('core', 'minm', 'Sinnerman'));
      closeSync(fd);
      await expect.poll(() => source.info().title, { timeout: 5000 }).toBe('Sinnerman');
      expect(source.info().artist).toBe('Nina Simone');
      // A cover of 300 kB (with --get-coverart) comes through whole, in the pipe's cuts.
      const cover = Buffer.concat([PNG, Buffer.alloc(300_000, 7)]);
      // From libuv's thread pool: the pipe's reader is this process's event loop.
      await appendFile(metadata, item('ssnc', 'PICT', cover));
      await expect.poll(() => source.cover()?.bytes.length, { timeout: 5000 }).toBe(cover.length);
      expect(source.info().coverId).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      source.stop();
    }
  });
});
