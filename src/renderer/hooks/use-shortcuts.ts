/** The window's keyboard shortcuts (see ui/shortcuts.ts for the mapping). */
import { useEffect } from 'react';
import { currentPositionSec } from '../playback/position';
import { repeatModes } from '../../shared/playback/state';
import { useStore } from '../store';
import {
  SEEK_STEP_SEC,
  seekTarget,
  shortcutFor,
  startsChord,
  stepVolume,
  type KeyPress,
  type ShortcutAction,
} from '../ui/shortcuts';

const textInputTypes = new Set(['text', 'search', 'number', 'password', 'email', 'url', 'tel']);

function describeTarget(target: EventTarget | null): Pick<KeyPress, 'inTextField' | 'inControl'> {
  if (!(target instanceof HTMLElement)) return { inTextField: false, inControl: false };
  const tag = target.tagName;
  const inTextField =
    tag === 'TEXTAREA' ||
    target.isContentEditable ||
    (tag === 'INPUT' && textInputTypes.has((target as HTMLInputElement).type));
  const role = target.getAttribute('role') ?? '';
  const inControl =
    !inTextField &&
    (tag === 'BUTTON' ||
      tag === 'INPUT' ||
      tag === 'SELECT' ||
      tag === 'A' ||
      ['radio', 'menuitem', 'slider', 'checkbox'].includes(role));
  return { inTextField, inControl };
}

const repeatLabel = { off: 'Repeat off', all: 'Repeat all', one: 'Repeat one' } as const;

function run(action: ShortcutAction): void {
  const store = useStore.getState();
  const { playback, settings, ui } = store;
  const state = playback.state;
  const trackId = state && state.currentIndex !== null ? state.queue[state.currentIndex] : undefined;
  const duration = trackId ? (store.library.byId.get(trackId)?.durationSec ?? 0) : 0;
  switch (action) {
    case 'togglePlay':
      if (!trackId) {
        const first = store.library.tracks[0];
        if (first) void playback.actions.play({ trackId: first.trackId });
      } else if (state?.paused) void playback.actions.resume();
      else void playback.actions.pause();
      return;
    case 'seekBack':
    case 'seekForward':
      if (!trackId) return;
      void playback.actions.seek(
        seekTarget(
          currentPositionSec(state),
          action === 'seekBack' ? -SEEK_STEP_SEC : SEEK_STEP_SEC,
          duration,
        ),
      );
      return;
    case 'next':
      void playback.actions.next();
      return;
    case 'prev':
      void playback.actions.prev();
      return;
    case 'toggleShuffle': {
      if (!state) return;
      const on = state.unshuffled === null;
      void playback.actions.shuffle(on).then(() => ui.actions.announce(on ? 'Shuffle on' : 'Shuffle off'));
      return;
    }
    case 'cycleRepeat': {
      if (!state) return;
      const mode = repeatModes[(repeatModes.indexOf(state.repeat) + 1) % repeatModes.length] ?? 'off';
      void playback.actions.repeat(mode).then(() => ui.actions.announce(repeatLabel[mode]));
      return;
    }
    case 'volumeUp':
    case 'volumeDown': {
      const volume = stepVolume(settings.values?.volume ?? 1, action === 'volumeUp');
      void settings.actions
        .update({ volume })
        .then(() => ui.actions.announce(`Volume ${Math.round(volume * 100)}%`));
      return;
    }
    case 'focusSearch':
      ui.actions.focusSearch();
      return;
    case 'openSettings':
      ui.actions.setView('settings');
      return;
    case 'showShortcuts':
      ui.actions.setShortcutsOpen(true);
      return;
    case 'gotoLibrary':
      ui.actions.setView('library');
      return;
    case 'gotoPlaylists':
      ui.actions.setView('playlists');
      return;
    case 'gotoAlbums':
      ui.actions.setView('albums');
      return;
    case 'gotoQueue':
      ui.actions.setView('queue');
      return;
    case 'gotoRoom':
      ui.actions.setView('room');
      return;
  }
}

/** Installs the global shortcut handler while mounted. */
export function useShortcuts(): void {
  useEffect(() => {
    let pendingG = false;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      // A modal dialog handles its own keys.
      if (useStore.getState().ui.shortcutsOpen) return;
      const press: KeyPress = {
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        shiftKey: event.shiftKey,
        ...describeTarget(event.target),
      };
      const action = shortcutFor(press, pendingG);
      pendingG = !pendingG && startsChord(press);
      if (!action) return;
      pendingG = false;
      event.preventDefault();
      run(action);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
