/** Keyboard shortcuts: one pure mapping from a key press to an action, shared by the handler and the help dialog. */

export type ShortcutAction =
  | 'togglePlay'
  | 'seekBack'
  | 'seekForward'
  | 'next'
  | 'prev'
  | 'toggleShuffle'
  | 'cycleRepeat'
  | 'focusSearch'
  | 'openSettings'
  | 'showShortcuts'
  | 'volumeUp'
  | 'volumeDown'
  | 'gotoLibrary'
  | 'gotoAlbums'
  | 'gotoPlaylists'
  | 'gotoQueue'
  | 'gotoRoom';

/** The parts of a keyboard event the mapping looks at. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** Whether focus is in a text field, where plain keys type text instead. */
  inTextField: boolean;
  /** Whether focus is on a control that uses Space or arrows itself (button, slider, list). */
  inControl: boolean;
}

/** Seconds that ←/→ seek. */
export const SEEK_STEP_SEC = 10;

/** The shortcuts, as the help dialog lists them. */
export const shortcutHelp: ReadonlyArray<{ keys: string[]; label: string }> = [
  { keys: ['Space'], label: 'Play or pause' },
  { keys: ['←'], label: `Back ${SEEK_STEP_SEC} seconds` },
  { keys: ['→'], label: `Forward ${SEEK_STEP_SEC} seconds` },
  { keys: ['N'], label: 'Next track' },
  { keys: ['P'], label: 'Previous track' },
  { keys: ['S'], label: 'Shuffle on or off' },
  { keys: ['R'], label: 'Repeat: off, all, one' },
  { keys: ['+'], label: 'Volume up' },
  { keys: ['−'], label: 'Volume down' },
  { keys: ['/'], label: 'Search the library' },
  { keys: ['Enter'], label: 'Play the selected track (in the library)' },
  { keys: ['Q'], label: 'Add the selected track to the queue (in the library)' },
  { keys: ['Shift', 'F10'], label: 'More actions for the selected track' },
  { keys: ['G', 'L'], label: 'Go to the library' },
  { keys: ['G', 'A'], label: 'Go to the albums' },
  { keys: ['G', 'P'], label: 'Go to the playlists' },
  { keys: ['G', 'Q'], label: 'Go to the queue' },
  { keys: ['G', 'R'], label: 'Go to the room' },
  { keys: ['Ctrl/⌘', ','], label: 'Settings' },
  { keys: ['?'], label: 'Show these shortcuts' },
];

/**
 * The action for a key press, or null to let the page handle it. `pendingG` is true when the
 * previous key was a lone G (two-key "go to" chords).
 */
export function shortcutFor(press: KeyPress, pendingG = false): ShortcutAction | null {
  const { key, ctrlKey, metaKey, altKey } = press;
  if ((ctrlKey || metaKey) && !altKey && key === ',') return 'openSettings';
  if (ctrlKey || metaKey || altKey || press.inTextField) return null;
  if (pendingG) {
    const chord: Record<string, ShortcutAction> = {
      l: 'gotoLibrary',
      a: 'gotoAlbums',
      p: 'gotoPlaylists',
      q: 'gotoQueue',
      r: 'gotoRoom',
    };
    return chord[key.toLowerCase()] ?? null;
  }
  switch (key) {
    case ' ':
    case 'Spacebar':
      return press.inControl ? null : 'togglePlay';
    case 'MediaPlayPause':
      return 'togglePlay';
    case 'ArrowLeft':
      return press.inControl ? null : 'seekBack';
    case 'ArrowRight':
      return press.inControl ? null : 'seekForward';
    case 'MediaTrackNext':
      return 'next';
    case 'MediaTrackPrevious':
      return 'prev';
    case '/':
      return 'focusSearch';
    case '?':
      return 'showShortcuts';
    case '+':
    case '=':
      return 'volumeUp';
    case '-':
    case '_':
      return 'volumeDown';
  }
  switch (key.toLowerCase()) {
    case 'n':
      return 'next';
    case 'p':
      return 'prev';
    case 's':
      return 'toggleShuffle';
    case 'r':
      return 'cycleRepeat';
  }
  return null;
}

/** Whether a key press starts a "go to" chord (a lone G). */
export function startsChord(press: KeyPress): boolean {
  return (
    !press.ctrlKey && !press.metaKey && !press.altKey && !press.inTextField && press.key.toLowerCase() === 'g'
  );
}

/** Where a seek lands: the current position moved by `deltaSec`, kept inside the track. */
export function seekTarget(positionSec: number, deltaSec: number, durationSec: number): number {
  const max = durationSec > 0 ? Math.max(0, durationSec - 0.5) : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(max, positionSec + deltaSec));
}

/** A new volume after a step up or down, kept in 0..1 and rounded to hundredths. */
export function stepVolume(volume: number, up: boolean, step = 0.05): number {
  return Math.round(Math.max(0, Math.min(1, volume + (up ? step : -step))) * 100) / 100;
}
