/** The tray icon and its menu, rebuilt whenever what it shows changes. */
import type { MenuItemConstructorOptions } from 'electron';
import { repeatModes, type RepeatMode } from '../../shared/playback/state';

export interface TrayState {
  /** Title and artist of the current track, if any. */
  nowPlaying: string | null;
  playing: boolean;
  windowVisible: boolean;
  /** A code that pairs a browser on another device, while one is open. */
  pairingCode?: string | null;
  /** The room's shuffle and repeat (absent: off). */
  shuffle?: boolean;
  repeat?: RepeatMode;
}

export interface TrayActions {
  showWindow(): void;
  togglePlay(): void;
  next(): void;
  prev(): void;
  setShuffle(on: boolean): void;
  setRepeat(mode: RepeatMode): void;
  quit(): void;
}

const repeatLabels: Record<RepeatMode, string> = { off: 'Off', all: 'All', one: 'One' };

/** The tray menu for a state: a pure function, so it is tested without Electron. */
export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { label: state.nowPlaying ?? 'Nothing playing', enabled: false },
    ...(state.pairingCode
      ? [{ label: `Pairing code ${state.pairingCode}`, enabled: false } satisfies MenuItemConstructorOptions]
      : []),
    { type: 'separator' },
    { label: state.playing ? 'Pause' : 'Play', click: () => actions.togglePlay() },
    { label: 'Next', click: () => actions.next(), enabled: state.nowPlaying !== null },
    { label: 'Previous', click: () => actions.prev(), enabled: state.nowPlaying !== null },
    {
      label: 'Shuffle',
      type: 'checkbox',
      checked: state.shuffle === true,
      click: () => actions.setShuffle(state.shuffle !== true),
    },
    {
      label: 'Repeat',
      submenu: repeatModes.map((mode) => ({
        label: repeatLabels[mode],
        type: 'radio' as const,
        checked: (state.repeat ?? 'off') === mode,
        click: () => actions.setRepeat(mode),
      })),
    },
    { type: 'separator' },
    { label: 'Show Firefly', click: () => actions.showWindow() },
    { label: 'Quit Firefly', click: () => actions.quit() },
  ];
}

/** The tray tooltip for a state. */
export function trayTooltip(state: TrayState): string {
  return state.nowPlaying
    ? `Firefly — ${state.playing ? 'playing' : 'paused'}: ${state.nowPlaying}`
    : 'Firefly';
}

/** What the tray shows for a playback state: the current track, whether it plays, shuffle and repeat. */
export function trayStateFor(
  state: {
    queue: readonly string[];
    currentIndex: number | null;
    paused: boolean;
    unshuffled?: readonly number[] | null;
    repeat?: RepeatMode;
  },
  tracks: ReadonlyArray<{ trackId: string; title: string; artist: string }>,
  windowVisible: boolean,
): TrayState {
  const trackId = state.currentIndex === null ? null : (state.queue[state.currentIndex] ?? null);
  const track = trackId ? tracks.find((t) => t.trackId === trackId) : undefined;
  const nowPlaying = trackId
    ? track
      ? [track.title, track.artist].filter(Boolean).join(' — ')
      : 'Loading…'
    : null;
  return {
    nowPlaying,
    playing: trackId !== null && !state.paused,
    windowVisible,
    shuffle: (state.unshuffled ?? null) !== null,
    repeat: state.repeat ?? 'off',
  };
}
