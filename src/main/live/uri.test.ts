import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveSourceError, parseSource, presetUri, splitArgs } from './uri';

const PEER = '12D3KooWExample';
const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-uri-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('source URIs', () => {
  it('parses pipe and command URIs with their name, format and arguments', () => {
    const pipe = parseSource('pipe:///tmp/snapfifo?name=Line%20in&format=s16le:44100:2', PEER, 'Den');
    expect(pipe).toMatchObject({
      kind: 'pipe',
      name: 'Line in',
      path: '/tmp/snapfifo',
      format: { encoding: 's16le', sampleRate: 44100, channels: 2 },
    });
    expect(pipe.sourceId).toMatch(/^line-in-[0-9a-f]{12}$/);
    expect(
      parseSource('pipe:///tmp/snapfifo?name=Line%20in&format=s16le:44100:2', PEER, 'Den').sourceId,
    ).toBe(pipe.sourceId);
    const command = parseSource(
      `command:///usr/bin/prog?args=${encodeURIComponent('-o stdout -a "Living room"')}&name=AirPlay`,
      PEER,
      'Den',
    );
    expect(command).toMatchObject({
      kind: 'command',
      path: '/usr/bin/prog',
      args: ['-o', 'stdout', '-a', 'Living room'],
    });
    expect(command.format).toEqual({ encoding: 's16le', sampleRate: 48000, channels: 2 });
    expect(command).toMatchObject({ codec: 'opus', bitrate: 128_000 });
    expect(parseSource('pipe:///tmp/f?codec=pcm', PEER, 'Den').codec).toBe('pcm');
    expect(parseSource('pipe:///tmp/f?codec=flac', PEER, 'Den').codec).toBe('flac');
    expect(parseSource('https://radio.example/a.mp3#codec=flac', PEER, 'Den').codec).toBe('flac');
    expect(parseSource('pipe:///tmp/f?bitrate=96', PEER, 'Den').bitrate).toBe(96_000);
    // A radio's query is the station's; Firefly's options go after #.
    expect(
      parseSource('https://radio.example/live.mp3?sid=1#name=Radio%20One&codec=pcm', PEER, 'Den'),
    ).toMatchObject({
      kind: 'http',
      name: 'Radio One',
      path: 'https://radio.example/live.mp3?sid=1',
      codec: 'pcm',
      format: { encoding: 's16le', sampleRate: 48000, channels: 2 },
    });
    expect(parseSource('http://radio.example/live', PEER, 'Den').name).toBe('radio.example');
  });

  it('says what is wrong with a URI that cannot work', () => {
    const cases: [string, RegExp][] = [
      ['ftp://radio.invalid/stream', /ftp sources are not supported/],
      ['http://radio.invalid/stream#volume=3', /unknown option "volume"/],
      ['not a uri', /not a URI/],
      ['pipe://tmp/fifo', /three slashes/],
      ['pipe:///tmp/f?format=s24le:48000:2', /encoding must be/],
      ['pipe:///tmp/f?format=s16le:1000:2', /rate must be/],
      ['pipe:///tmp/f?format=s16le:48000:6', /channels must be 1 or 2/],
      ['pipe:///tmp/f?args=x', /args is for command sources/],
      ['pipe:///tmp/f?volume=3', /unknown parameter "volume"/],
      ['pipe:///tmp/f?name=', /name must be/],
      ['pipe:///tmp/f?codec=mp3', /codec must be opus, flac or pcm/],
      ['pipe:///tmp/f?bitrate=8', /bitrate must be/],
      ['pipe:///tmp/f?bitrate=12.5', /bitrate must be/],
    ];
    for (const [uri, message] of cases) expect(() => parseSource(uri, PEER, 'Den'), uri).toThrow(message);
    expect(() => parseSource('nope', PEER, 'Den')).toThrow(LiveSourceError);
  });

  it('makes presets of shairport-sync and librespot when they are on PATH, and says how to install them otherwise', () => {
    expect(() => presetUri('spotify', 'Den', dir)).toThrow(/needs librespot on PATH: install it/);
    expect(() => presetUri('airplay', 'Den', dir)).toThrow(/apt-get install shairport-sync/);
    for (const name of ['librespot', 'shairport-sync']) {
      writeFileSync(path.join(dir, name), '#!/bin/sh\n');
      chmodSync(path.join(dir, name), 0o755);
    }
    const airplay = parseSource(presetUri('airplay', 'Living room', dir) as string, PEER, 'Living room');
    expect(airplay).toMatchObject({
      kind: 'command',
      name: 'AirPlay',
      path: path.join(dir, 'shairport-sync'),
    });
    // What the sender plays comes through a metadata pipe the source reads (shairport-metadata.ts).
    const metadata = airplay.metadataPipe as string;
    expect(metadata).toMatch(/firefly-airplay-[0-9a-f]{8}\.metadata$/);
    expect(airplay.args).toEqual([
      '-u',
      '-o',
      'stdout',
      '-a',
      'Living room',
      '-M',
      `--metadata-pipename=${metadata}`,
    ]);
    expect(() => parseSource('pipe:///x?metadata=rel/path', PEER, 'Den')).toThrow(/absolute path/);
    expect(airplay.format.sampleRate).toBe(44100);
    const spotify = parseSource(presetUri('spotify', 'Den', dir) as string, PEER, 'Den');
    expect(spotify.args.slice(0, 4)).toEqual(['--name', 'Den', '--backend', 'pipe']);
    expect(spotify.name).toBe('Den (Spotify)');
    expect(presetUri('pipe:///x', 'Den', dir)).toBeNull();
  });

  it('splits arguments with quotes', () => {
    expect(splitArgs(`a "b c" 'd e' f\\"g`)).toEqual(['a', 'b c', 'd e', 'f\\"g']);
  });
});
