import { describe, expect, it } from 'vitest';
import {
  formatM3u8,
  m3u8FileName,
  m3u8Limits,
  m3u8TextValidator,
  matchM3u8,
  parseM3u8,
  type MatchCandidate,
} from './m3u8';

const id = (c: string) => c.repeat(64);
const room: MatchCandidate[] = [
  {
    trackId: id('a'),
    title: 'Blue in Green',
    artist: 'Miles Davis',
    paths: ['/music/Miles Davis/Kind of Blue/03 Blue in Green.flac'],
  },
  { trackId: id('b'), title: 'So What', artist: 'Miles Davis', paths: [] },
  { trackId: id('c'), title: 'Intro', artist: 'Band One', paths: ['/music/Band One/Live/01 Intro.mp3'] },
  { trackId: id('d'), title: 'Intro', artist: 'Band Two', paths: ['/music/Band Two/Studio/01 Intro.mp3'] },
  { trackId: id('e'), title: 'Take Five - Live', artist: 'Dave Brubeck', paths: [] },
];
const parse = (text: string) => {
  const r = parseM3u8(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('M3U8 text checks', () => {
  it('accepts a playlist and refuses binary, broken text, too many lines or characters', () => {
    expect(m3u8TextValidator('#EXTM3U\n/a.mp3\n').ok).toBe(true);
    const refusal = (input: unknown) => {
      const r = m3u8TextValidator(input);
      return r.ok ? null : r.error;
    };
    expect(refusal(42)).toMatch(/expected the playlist's text/);
    expect(refusal('ID3\u0003\u0000\u0000\u0000binary')).toMatch(/binary data/);
    expect(refusal('a.mp3\ud800')).toMatch(/not valid UTF-8/);
    expect(refusal('caf\ufffd.mp3')).toMatch(/undecodable bytes/);
    expect(refusal('x.mp3\n'.repeat(10_000))).toMatch(/10001 lines; a playlist file may have at most 5000/);
    expect(refusal('x'.repeat(m3u8Limits.maxChars + 1))).toMatch(
      /characters; a playlist file may have at most/,
    );
    expect(refusal(`${'x'.repeat(5000)}\n`)).toMatch(/line 1 is over 4096 characters/);
  });

  it('parses #EXTINF, comments, blank lines, a BOM and CRLF; refuses more entries than a playlist holds', () => {
    const entries = parse(
      '\ufeff#EXTM3U\r\n#PLAYLIST:x\r\n\r\n#EXTINF:123,Miles Davis - So What\r\nhttp://h/so-what.mp3\r\nplain.mp3\r\n#EXTINF:-1,\r\nz.ogg',
    );
    expect(entries).toEqual([
      { line: 5, location: 'http://h/so-what.mp3', durationSec: 123, display: 'Miles Davis - So What' },
      { line: 6, location: 'plain.mp3', durationSec: null, display: null },
      { line: 8, location: 'z.ogg', durationSec: null, display: null },
    ]);
    const r = parseM3u8('a.mp3\n'.repeat(501));
    expect(r.ok ? null : r.error).toBe('the playlist has 501 entries; a playlist holds at most 500');
  });
});

describe('matching M3U8 entries to the room’s tracks', () => {
  it('matches by media URL, path tail, "Artist - Title" and unique title, ignoring case; reports the rest', () => {
    const text = [
      '#EXTM3U',
      `http://127.0.0.1:9/media/track/${id('b')}`,
      'C:\\Users\\me\\Music\\kind of blue\\03 BLUE IN GREEN.flac',
      '#EXTINF:200,band two - intro',
      'somewhere/else/intro.mp3',
      'file:///home/x/Band%20One/Live/01%20Intro.mp3',
      '#EXTINF:300,Dave Brubeck - Take Five - Live',
      'x.mp3',
      '07 - So What.mp3',
      '#EXTINF:10,Nobody - Nothing',
      'missing.mp3',
      'Intro.mp3',
    ].join('\n');
    const m = matchM3u8(parse(text), room);
    expect(m.trackIds).toEqual([id('b'), id('a'), id('d'), id('c'), id('e'), id('b')]);
    // "Intro" alone is two tracks' title: not matched rather than guessed.
    expect(m.unmatched).toEqual([
      { line: 11, entry: 'Nobody - Nothing (missing.mp3)' },
      { line: 12, entry: 'Intro.mp3' },
    ]);
  });

  it('prefers the file sharing more trailing folders', () => {
    const m = matchM3u8(parse('Band Two/Studio/01 Intro.mp3\nLive/01 intro.MP3'), room);
    expect(m.trackIds).toEqual([id('d'), id('c')]);
  });
});

describe('M3U8 export', () => {
  it('writes #EXTM3U, #EXTINF:secs,Artist - Title and one location line per track; reads back the same', () => {
    const text = formatM3u8('Road\ntrip', [
      {
        durationSec: 185.4,
        artist: 'Miles Davis',
        title: 'So What',
        location: `http://h/media/track/${id('b')}`,
      },
      { durationSec: 0, artist: '', title: 'Untitled', location: '/music/Band One/Live/01 Intro.mp3' },
    ]);
    expect(text).toBe(
      `#EXTM3U\n#PLAYLIST:Road trip\n#EXTINF:185,Miles Davis - So What\nhttp://h/media/track/${id('b')}\n#EXTINF:-1,Untitled\n/music/Band One/Live/01 Intro.mp3\n`,
    );
    expect(m3u8TextValidator(text).ok).toBe(true);
    expect(matchM3u8(parse(text), room).trackIds).toEqual([id('b'), id('c')]);
    expect(m3u8FileName('AC/DC: best?')).toBe('AC_DC_ best_.m3u8');
    expect(m3u8FileName('///')).toBe('_.m3u8');
  });
});
