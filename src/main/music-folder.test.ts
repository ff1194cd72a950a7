import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultMusicFolder } from './music-folder';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'firefly-home-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('default music folder', () => {
  it('is none when the user has no music folder', () => {
    expect(defaultMusicFolder({}, home)).toBeNull();
  });

  it('is ~/Music when it exists', () => {
    mkdirSync(path.join(home, 'Music'));
    expect(defaultMusicFolder({}, home)).toBe(path.join(home, 'Music'));
  });

  it('prefers the XDG music directory, as user-dirs.dirs names it', () => {
    mkdirSync(path.join(home, 'Music'));
    mkdirSync(path.join(home, 'Musik'));
    mkdirSync(path.join(home, '.config'));
    writeFileSync(
      path.join(home, '.config', 'user-dirs.dirs'),
      'XDG_DESKTOP_DIR="$HOME/Desktop"\nXDG_MUSIC_DIR="$HOME/Musik"\n',
    );
    expect(defaultMusicFolder({}, home)).toBe(path.join(home, 'Musik'));
    // "$HOME" itself means the user turned the folder off: fall back to ~/Music.
    writeFileSync(path.join(home, '.config', 'user-dirs.dirs'), 'XDG_MUSIC_DIR="$HOME/"\n');
    expect(defaultMusicFolder({}, home)).toBe(path.join(home, 'Music'));
    expect(defaultMusicFolder({ XDG_MUSIC_DIR: path.join(home, 'Musik') }, home)).toBe(
      path.join(home, 'Musik'),
    );
  });
});
