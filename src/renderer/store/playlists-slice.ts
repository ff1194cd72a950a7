import type { StateCreator } from 'zustand';
import type { Playlist } from '../../shared/playlists/playlist';
import type { PlaylistImportResult } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';

export interface PlaylistsSlice {
  playlists: {
    /** The room's playlists, by name, as the host last reported them. */
    list: Playlist[];
    /** The last error changing a playlist, shown until the next change. */
    error: string | null;
    actions: {
      load(): Promise<void>;
      setList(list: Playlist[]): void;
      /** Creates (no id) or updates a playlist; resolves with it, or null when refused. */
      save(change: { id?: string; name: string; trackIds: string[] }): Promise<Playlist | null>;
      remove(id: string): Promise<void>;
      play(id: string, index?: number): Promise<void>;
      /** Makes a playlist of an M3U8 file's text; resolves with what matched, or null when refused. */
      importM3u8(name: string, text: string): Promise<PlaylistImportResult | null>;
      /** A playlist as M3U8 (tracks this device lacks point at this page's peer), or null when refused. */
      exportM3u8(id: string): Promise<{ fileName: string; m3u8: string } | null>;
    };
  };
}

/** The room's playlists, mirrored from the host, and the commands that change them. */
export const createPlaylistsSlice: StateCreator<PlaylistsSlice, [], [], PlaylistsSlice> = (set) => {
  const showError = (error: string | null) => set((s) => ({ playlists: { ...s.playlists, error } }));
  /** Runs a request; its answer, or null with the error shown until the next change. */
  const attempt = async <T>(request: () => Promise<T>): Promise<T | null> => {
    try {
      const result = await request();
      showError(null);
      return result;
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error));
      return null;
    }
  };
  return {
    playlists: {
      list: [],
      error: null,
      actions: {
        async load() {
          const list = await bridge().playlists.list();
          set((s) => ({ playlists: { ...s.playlists, list } }));
        },
        setList: (list) => set((s) => ({ playlists: { ...s.playlists, list } })),
        save: (change) => attempt(() => bridge().playlists.save(change)),
        remove: async (id) => void (await attempt(() => bridge().playlists.delete(id))),
        play: async (id, index) => void (await attempt(() => bridge().playlists.play(id, index))),
        importM3u8: (name, text) => attempt(() => bridge().playlists.importM3u8(name, text)),
        exportM3u8: (id) => attempt(() => bridge().playlists.exportM3u8(id, location.origin)),
      },
    },
  };
};
