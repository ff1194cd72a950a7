import { describe, expect, it } from 'vitest';
import { IcyDemuxer, parseMetaInt, streamTitle } from './icy';
import { icyBlock } from './testing/icy-station';

describe('ICY metadata', () => {
  it('takes the blocks out of the audio, however the stream is cut', () => {
    const metaInt = 100;
    const audio = Uint8Array.from({ length: 350 }, (_, i) => i % 251);
    const parts = [
      audio.subarray(0, 100),
      icyBlock("StreamTitle='Artist - Song';StreamUrl='';"),
      audio.subarray(100, 200),
      Uint8Array.of(0), // no change
      audio.subarray(200, 300),
      icyBlock("StreamTitle='Ünïcode – Next';"),
      audio.subarray(300, 350),
    ];
    const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      stream.set(p, at);
      at += p.length;
    }
    for (const cut of [1, 7, 64, stream.length]) {
      const demuxer = new IcyDemuxer(metaInt);
      const got: number[] = [];
      const titles: (string | null)[] = [];
      for (let i = 0; i < stream.length; i += cut) {
        const r = demuxer.push(stream.subarray(i, i + cut));
        for (const a of r.audio) got.push(...a);
        titles.push(...r.titles);
      }
      expect(got).toEqual(Array.from(audio));
      expect(titles).toEqual(['Artist - Song', 'Ünïcode – Next']);
    }
  });

  it('passes a stream without metadata through', () => {
    const demuxer = new IcyDemuxer(null);
    expect(demuxer.push(Uint8Array.of(1, 2, 3))).toEqual({ audio: [Uint8Array.of(1, 2, 3)], titles: [] });
  });

  it('reads titles in Latin-1, cleans control characters, and refuses bad metaint values', () => {
    expect(
      streamTitle(Uint8Array.from([...new TextEncoder().encode("StreamTitle='Caf"), 0xe9, 0x27, 0x3b])),
    ).toBe('Café');
    expect(streamTitle(new TextEncoder().encode("StreamTitle='a\u0007b';"))).toBe('a b');
    expect(streamTitle(new TextEncoder().encode("StreamTitle='';"))).toBeNull();
    expect(streamTitle(new TextEncoder().encode('garbage'))).toBeNull();
    expect(parseMetaInt('16000')).toBe(16000);
    for (const bad of [undefined, '', '0', '-5', 'x', '99999999']) expect(parseMetaInt(bad)).toBeNull();
  });
});
