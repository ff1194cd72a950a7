import { describe, expect, it } from 'vitest';
import { seekTarget, shortcutFor, startsChord, stepVolume, type KeyPress } from './shortcuts';

const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  inTextField: false,
  inControl: false,
  ...over,
});

describe('shortcutFor', () => {
  it('maps the documented keys', () => {
    expect(shortcutFor(press(' '))).toBe('togglePlay');
    expect(shortcutFor(press('ArrowLeft'))).toBe('seekBack');
    expect(shortcutFor(press('ArrowRight'))).toBe('seekForward');
    expect(shortcutFor(press('n'))).toBe('next');
    expect(shortcutFor(press('N', { shiftKey: true }))).toBe('next');
    expect(shortcutFor(press('p'))).toBe('prev');
    expect(shortcutFor(press('s'))).toBe('toggleShuffle');
    expect(shortcutFor(press('R', { shiftKey: true }))).toBe('cycleRepeat');
    // G then R still goes to the room: the chord wins over repeat.
    expect(shortcutFor(press('r'), true)).toBe('gotoRoom');
    expect(shortcutFor(press('a'), true)).toBe('gotoAlbums');
    expect(shortcutFor(press('/'))).toBe('focusSearch');
    expect(shortcutFor(press('?', { shiftKey: true }))).toBe('showShortcuts');
    expect(shortcutFor(press(',', { ctrlKey: true }))).toBe('openSettings');
    expect(shortcutFor(press(',', { metaKey: true }))).toBe('openSettings');
    expect(shortcutFor(press('MediaPlayPause', { inControl: true }))).toBe('togglePlay');
  });

  it('leaves typing alone in text fields, except Ctrl+,', () => {
    for (const key of [' ', 'n', 'p', '/', '?', 'ArrowLeft'])
      expect(shortcutFor(press(key, { inTextField: true }))).toBeNull();
    expect(shortcutFor(press(',', { ctrlKey: true, inTextField: true }))).toBe('openSettings');
  });

  it('lets buttons and sliders keep Space and the arrows', () => {
    expect(shortcutFor(press(' ', { inControl: true }))).toBeNull();
    expect(shortcutFor(press('ArrowRight', { inControl: true }))).toBeNull();
    expect(shortcutFor(press('n', { inControl: true }))).toBe('next');
  });

  it('ignores browser and system combinations', () => {
    expect(shortcutFor(press('n', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press('p', { metaKey: true }))).toBeNull();
    expect(shortcutFor(press(',', { ctrlKey: true, altKey: true }))).toBeNull();
  });

  it('reads two-key "go to" chords', () => {
    expect(startsChord(press('g'))).toBe(true);
    expect(startsChord(press('g', { inTextField: true }))).toBe(false);
    expect(shortcutFor(press('l'), true)).toBe('gotoLibrary');
    expect(shortcutFor(press('q'), true)).toBe('gotoQueue');
    expect(shortcutFor(press('r'), true)).toBe('gotoRoom');
    expect(shortcutFor(press('n'), true)).toBeNull();
  });
});

describe('seekTarget and stepVolume', () => {
  it('keeps a seek inside the track', () => {
    expect(seekTarget(30, 10, 200)).toBe(40);
    expect(seekTarget(4, -10, 200)).toBe(0);
    expect(seekTarget(195, 10, 200)).toBe(199.5);
    expect(seekTarget(50, 10, 0)).toBe(60);
  });
  it('steps volume inside 0..1 without float dust', () => {
    expect(stepVolume(0.5, true)).toBe(0.55);
    expect(stepVolume(0.98, true)).toBe(1);
    expect(stepVolume(0.02, false)).toBe(0);
    expect(stepVolume(0.7, false)).toBe(0.65);
  });
});
