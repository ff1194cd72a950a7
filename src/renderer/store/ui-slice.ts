import type { StateCreator } from 'zustand';

export type View = 'library' | 'albums' | 'playlists' | 'queue' | 'room' | 'settings';

export interface UiSlice {
  ui: {
    view: View;
    shortcutsOpen: boolean;
    /** Grows each time something asks for the library search box to take focus. */
    searchFocusRequest: number;
    /** The latest sentence for screen readers (live region), with a counter so a repeat is announced again. */
    announcement: { text: string; seq: number };
    actions: {
      setView(view: View): void;
      setShortcutsOpen(open: boolean): void;
      focusSearch(): void;
      announce(text: string): void;
    };
  };
}

/** Which screen shows, dialogs, and announcements: state of this window only, never sent to the peer. */
export const createUiSlice: StateCreator<UiSlice, [], [], UiSlice> = (set) => ({
  ui: {
    view: 'library',
    shortcutsOpen: false,
    searchFocusRequest: 0,
    announcement: { text: '', seq: 0 },
    actions: {
      setView(view) {
        set((s) => ({ ui: { ...s.ui, view } }));
      },
      setShortcutsOpen(open) {
        set((s) => ({ ui: { ...s.ui, shortcutsOpen: open } }));
      },
      focusSearch() {
        set((s) => ({ ui: { ...s.ui, view: 'library', searchFocusRequest: s.ui.searchFocusRequest + 1 } }));
      },
      announce(text) {
        set((s) => ({ ui: { ...s.ui, announcement: { text, seq: s.ui.announcement.seq + 1 } } }));
      },
    },
  },
});
