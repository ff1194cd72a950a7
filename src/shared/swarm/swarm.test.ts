import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trackIdFromChunkIds } from '../chunking/ids';
import {
  catalogLimits,
  changesSince,
  chunkRefsOf,
  splitChange,
  validateCatalogEntry,
  type CatalogEntry,
} from './catalog';
import { validateCatalogRequest, validateListFrame } from './catalog-stream';
import {
  bitmapHas,
  chunkLimits,
  decodeCoverReply,
  decodeGetReply,
  decodeRequest,
  decodeWatchReply,
  encodeBitmap,
  encodeChunkReply,
  encodeCoverReply,
  encodeCoverRequest,
  encodeGet,
  encodeHave,
  encodeStatus,
  encodeWatch,
  sniffImageMime,
  STATUS_COVER,
  STATUS_MISSING,
  STATUS_UNKNOWN,
} from './chunk-wire';
import { validateSwarmMessage } from './messages';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const idOf = (text: string): string => sha256(new TextEncoder().encode(text));

/** A consistent entry whose chunks are `lengths` long. */
const anEntry = (lengths: number[] = [70_000, 50_000, 1_234]): CatalogEntry => {
  const chunkIds = lengths.map((_, i) => idOf(`chunk ${i}`));
  return {
    track: {
      id: trackIdFromChunkIds(chunkIds, sha256),
      title: 'Song',
      artist: 'Band',
      album: 'Record',
      trackNo: 3,
      durationSec: 201.5,
      codec: 'flac',
      container: 'FLAC',
      sizeBytes: lengths.reduce((a, b) => a + b, 0),
      hasCover: false,
      chunkCount: lengths.length,
    },
    chunkIds,
    chunkBytes: lengths,
  };
};

describe('catalog entries', () => {
  it('accepts a consistent entry and rebuilds offsets from the lengths', () => {
    const entry = anEntry();
    const checked = validateCatalogEntry(JSON.parse(JSON.stringify(entry)), sha256);
    expect(checked).toEqual({ ok: true, value: entry });
    expect(chunkRefsOf(entry).map((c) => [c.index, c.offsetBytes, c.lengthBytes])).toEqual([
      [0, 0, 70_000],
      [1, 70_000, 50_000],
      [2, 120_000, 1_234],
    ]);
  });

  it('rejects an id that does not name the chunk list as forged', () => {
    const entry = anEntry();
    const result = validateCatalogEntry({ ...entry, track: { ...entry.track, id: idOf('other') } }, sha256);
    expect(result).toMatchObject({ ok: false, error: { reason: 'forged' } });
    const swapped = { ...entry, chunkIds: [...entry.chunkIds].reverse() };
    expect(validateCatalogEntry(swapped, sha256)).toMatchObject({ ok: false, error: { reason: 'forged' } });
  });

  it.each([
    ['an unknown field', (e: CatalogEntry) => ({ ...e, extra: 1 })],
    ['an unknown track field', (e: CatalogEntry) => ({ ...e, track: { ...e.track, path: '/etc/passwd' } })],
    [
      'a long title',
      (e: CatalogEntry) => ({
        ...e,
        track: { ...e.track, title: 'x'.repeat(catalogLimits.maxTitleChars + 1) },
      }),
    ],
    [
      'a count that differs from the list',
      (e: CatalogEntry) => ({ ...e, track: { ...e.track, chunkCount: 2 } }),
    ],
    [
      'a size that differs from the lengths',
      (e: CatalogEntry) => ({ ...e, track: { ...e.track, sizeBytes: 5 } }),
    ],
    [
      'a chunk over the chunking maximum',
      (e: CatalogEntry) => ({ ...e, chunkBytes: [300_000, 50_000, 1_234] }),
    ],
    ['a malformed chunk id', (e: CatalogEntry) => ({ ...e, chunkIds: ['ABC', ...e.chunkIds.slice(1)] })],
    ['a negative duration', (e: CatalogEntry) => ({ ...e, track: { ...e.track, durationSec: -1 } })],
    ['a fractional track number', (e: CatalogEntry) => ({ ...e, track: { ...e.track, trackNo: 1.5 } })],
    [
      'a chunk count over the limit',
      (e: CatalogEntry) => ({ ...e, track: { ...e.track, chunkCount: catalogLimits.maxChunksPerTrack + 1 } }),
    ],
  ])('rejects %s as malformed', (_, change) => {
    expect(validateCatalogEntry(change(anEntry()), sha256)).toMatchObject({
      ok: false,
      error: { reason: 'malformed' },
    });
  });

  it('shows names as themselves: direction and control characters removed, a lone surrogate refused', () => {
    const entry = anEntry();
    const spoofed = {
      ...entry,
      track: { ...entry.track, title: 'Song\u202Ethgir\u0007', artist: '\u2066Band\u2069' },
    };
    const checked = validateCatalogEntry(spoofed, sha256);
    expect(checked.ok && [checked.value.track.title, checked.value.track.artist]).toEqual([
      'Songthgir',
      'Band',
    ]);
    const broken = { ...entry, track: { ...entry.track, album: 'Al\ud800bum' } };
    expect(validateCatalogEntry(broken, sha256)).toMatchObject({ ok: false, error: { reason: 'malformed' } });
  });

  it('checks requests and list frames', () => {
    expect(validateCatalogRequest({ op: 'list' })).toEqual({ ok: true, value: { op: 'list' } });
    expect(validateCatalogRequest({ op: 'list', incarnation: 'abcdef01', sinceVersion: 3 }).ok).toBe(true);
    expect(validateCatalogRequest({ op: 'list', path: '/' }).ok).toBe(false);
    expect(
      validateCatalogRequest({
        op: 'entries',
        trackIds: Array(catalogLimits.maxEntriesPerRequest + 1).fill(idOf('t')),
      }).ok,
    ).toBe(false);
    expect(validateCatalogRequest({ op: 'drop' }).ok).toBe(false);
    const frame = {
      incarnation: 'abcdef01',
      version: 2,
      full: true,
      added: [idOf('t')],
      removed: [],
      done: true,
    };
    expect(validateListFrame(frame)).toEqual({ ok: true, value: frame });
    expect(validateListFrame({ ...frame, version: -1 }).ok).toBe(false);
    expect(
      validateListFrame({ ...frame, added: Array(catalogLimits.maxListIdsPerFrame + 1).fill(idOf('t')) }).ok,
    ).toBe(false);
  });

  it('nets out changes since a version and splits large changes', () => {
    const [a, b, c] = [idOf('a'), idOf('b'), idOf('c')];
    const history = [
      { version: 1, added: [a, b], removed: [] },
      { version: 2, added: [], removed: [a] },
      { version: 3, added: [c, a], removed: [b] },
    ];
    expect(changesSince(history, 0, 3)).toEqual({ added: [c, a], removed: [b] });
    expect(changesSince(history, 1, 3)).toEqual({ added: [c, a], removed: [b] });
    expect(changesSince(history, 2, 3)).toEqual({ added: [c, a], removed: [b] });
    expect(changesSince(history, 3, 3)).toEqual({ added: [], removed: [] });
    expect(changesSince(history.slice(1), 0, 3)).toBeNull();
    expect(changesSince(history, 4, 3)).toBeNull();
    const ids = Array.from({ length: 1100 }, (_, i) => idOf(`t${i}`));
    const pieces = splitChange(ids.slice(0, 1000), ids.slice(1000), 512);
    expect(pieces.map((p) => p.added.length + p.removed.length)).toEqual([512, 512, 76]);
    expect(pieces.flatMap((p) => p.removed)).toEqual(ids.slice(1000));
  });
});

describe('catalog:delta', () => {
  const delta = {
    type: 'catalog:delta',
    incarnation: 'abcdef0123',
    version: 4,
    added: [idOf('x')],
    removed: [],
  };

  it('accepts a delta alone or inside a control envelope', () => {
    expect(validateSwarmMessage(delta)).toEqual({ ok: true, value: delta });
    expect(validateSwarmMessage({ ...delta, v: 1, from: 'peer', epoch: 2, seq: 9 })).toEqual({
      ok: true,
      value: delta,
    });
  });

  it('bounds the ids and checks every field', () => {
    expect(
      validateSwarmMessage({ ...delta, added: Array(catalogLimits.maxDeltaIds + 1).fill(idOf('x')) }).ok,
    ).toBe(false);
    expect(validateSwarmMessage({ ...delta, added: ['../x'] }).ok).toBe(false);
    expect(validateSwarmMessage({ ...delta, incarnation: 'NOT HEX' }).ok).toBe(false);
    expect(validateSwarmMessage({ ...delta, version: 1.5 }).ok).toBe(false);
    expect(validateSwarmMessage({ ...delta, more: true }).ok).toBe(false);
    // The largest delta fits a control message (64 KiB) with room for the envelope.
    const largest = { ...delta, added: Array(catalogLimits.maxDeltaIds).fill(idOf('x')) };
    expect(JSON.stringify(largest).length).toBeLessThan(48 * 1024);
  });
});

describe('chunk protocol frames', () => {
  it('round-trips GET and WATCH requests', () => {
    const ids = [idOf('a'), idOf('b')];
    expect(decodeRequest(encodeGet(ids))).toEqual({ ok: true, value: { op: 'get', chunkIds: ids } });
    expect(decodeRequest(encodeWatch(idOf('t')))).toEqual({
      ok: true,
      value: { op: 'watch', trackId: idOf('t') },
    });
  });

  it('rejects malformed requests', () => {
    expect(decodeRequest(new Uint8Array(0)).ok).toBe(false);
    expect(decodeRequest(Uint8Array.of(1)).ok).toBe(false);
    expect(decodeRequest(new Uint8Array(1 + 31)).ok).toBe(false);
    const tooMany = new Uint8Array(1 + 32 * (chunkLimits.maxIdsPerRequest + 1));
    tooMany[0] = 1;
    expect(decodeRequest(tooMany).ok).toBe(false);
    expect(decodeRequest(Uint8Array.of(9, 0)).ok).toBe(false);
    expect(() => encodeGet([])).toThrow(RangeError);
  });

  it('round-trips replies and rejects bad ones', () => {
    const bytes = Uint8Array.of(1, 2, 3);
    expect(decodeGetReply(encodeChunkReply(bytes))).toEqual({ ok: true, value: { status: 'ok', bytes } });
    expect(decodeGetReply(encodeStatus(STATUS_MISSING))).toEqual({ ok: true, value: { status: 'missing' } });
    expect(decodeGetReply(Uint8Array.of(0)).ok).toBe(false);
    expect(decodeGetReply(Uint8Array.of(1, 0)).ok).toBe(false);
    expect(decodeGetReply(Uint8Array.of(77)).ok).toBe(false);
  });

  it('round-trips bitmaps and HAVE frames within the track length', () => {
    const have = [true, false, false, true, true, false, false, false, true, false];
    const reply = decodeWatchReply(encodeBitmap(have), have.length);
    if (!reply.ok || reply.value.status !== 'bitmap') throw new Error('expected a bitmap');
    const { bitmap } = reply.value;
    expect(have.map((_, i) => bitmapHas(bitmap, i))).toEqual(have);
    expect(decodeWatchReply(encodeBitmap(have), have.length + 1).ok).toBe(false);
    expect(decodeWatchReply(encodeHave([1, 9]), 10)).toEqual({
      ok: true,
      value: { status: 'have', indices: [1, 9] },
    });
    expect(decodeWatchReply(encodeHave([10]), 10).ok).toBe(false);
  });

  it('round-trips COVER requests and reads the image type from the bytes, not the sender', () => {
    expect(decodeRequest(encodeCoverRequest(idOf('t')))).toEqual({
      ok: true,
      value: { op: 'cover', trackId: idOf('t') },
    });
    expect(decodeRequest(Uint8Array.of(3, 1, 2)).ok).toBe(false);
    expect(() => encodeCoverRequest('not an id')).toThrow(RangeError);

    const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
    const images: Record<string, number[]> = {
      'image/jpeg': [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3],
      'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0],
      'image/gif': [...ascii('GIF89a'), 1, 0],
      'image/webp': [...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8 ')],
      'image/bmp': [...ascii('BM'), ...new Array<number>(40).fill(0)],
    };
    for (const [mime, bytes] of Object.entries(images)) {
      const image = Uint8Array.from(bytes);
      expect(sniffImageMime(image)).toBe(mime);
      expect(decodeCoverReply(encodeCoverReply(image)!)).toEqual({
        ok: true,
        value: { status: 'cover', mime, bytes: image },
      });
    }
  });

  it('refuses covers that are no image or too large, and bad COVER replies', () => {
    const html = new TextEncoder().encode('<html><script>alert(1)</script></html>');
    expect(sniffImageMime(html)).toBeNull();
    expect(encodeCoverReply(html)).toBeNull();
    expect(decodeCoverReply(Uint8Array.of(STATUS_COVER, ...html)).ok).toBe(false);
    const huge = new Uint8Array(chunkLimits.maxCoverBytes + 1);
    huge.set([0xff, 0xd8, 0xff]);
    expect(encodeCoverReply(huge)).toBeNull();
    const hugeFrame = new Uint8Array(1 + huge.length);
    hugeFrame[0] = STATUS_COVER;
    hugeFrame.set(huge, 1);
    expect(decodeCoverReply(hugeFrame)).toEqual({ ok: false, error: 'COVER: image too large' });
    expect(decodeCoverReply(Uint8Array.of(STATUS_COVER)).ok).toBe(false);
    expect(decodeCoverReply(new Uint8Array(0)).ok).toBe(false);
    expect(decodeCoverReply(Uint8Array.of(STATUS_UNKNOWN))).toEqual({
      ok: true,
      value: { status: 'unknown' },
    });
    expect(decodeCoverReply(Uint8Array.of(STATUS_UNKNOWN, 0)).ok).toBe(false);
    expect(decodeCoverReply(Uint8Array.of(STATUS_MISSING)).ok).toBe(false);
  });
});
