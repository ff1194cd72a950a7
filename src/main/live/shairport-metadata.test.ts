import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveSource } from './live-source';
import { MetadataParser, NowPlayingFromMetadata, type MetadataItem } from './shairport-metadata';
import { parseSource } from './uri';

/** One item as shairport-sync writes it to its metadata pipe. */
function item(type: string, code: string, data?: string): string {
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
  const bytes = data === undefined ? null : Buffer.from(data, 'utf8');
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

  it('says "Artist - Title" while the sender plays, and nothing once it stops', () => {
    const np = new NowPlayingFromMetadata();
    const take = (type: string, code: string, data = '') => np.take({ type, code, data: Buffer.from(data) });
    expect(take('core', 'minm', 'Sinnerman')).toBe('Sinnerman');
    expect(take('core', 'asar', 'Nina Simone')).toBe('Nina Simone - Sinnerman');
    expect(take('core', 'asar', 'Nina Simone')).toBeUndefined();
    expect(take('ssnc', 'prgr', '1/2/3')).toBeUndefined();
    expect(take('ssnc', 'pend')).toBeNull();
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
      await expect.poll(() => source.info().title, { timeout: 5000 }).toBe('Nina Simone - Sinnerman');
    } finally {
      source.stop();
    }
  });
});
