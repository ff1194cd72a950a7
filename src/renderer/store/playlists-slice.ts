import type { StateCreator } from 'zustand';
import type { Playlist } from '../../shared/playlists/playlist';
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
    };
  };
}

/** The room's playlists, mirrored from the host, and the commands that change them. */
export const createPlaylistsSlice: StateCreator<PlaylistsSlice, [], [], PlaylistsSlice> = (set) => {
  const fail = (error: unknown) =>
    set((s) => ({
      playlists: { ...s.playlists, error: error instanceof Error ? error.message : String(error) },
    }));
  const ok = () => set((s) => ({ playlists: { ...s.playlists, error: null } }));
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
        async save(change) {
          try {
            const saved = await bridge().playlists.save(change);
            ok();
            return saved;
          } catch (error) {
            fail(error);
            return null;
          }
        },
        async remove(id) {
          try {
            await bridge().playlists.delete(id);
            ok();
          } catch (error) {
            fail(error);
          }
        },
        async play(id, index) {
          try {
            await bridge().playlists.play(id, index);
            ok();
          } catch (error) {
            fail(error);
          }
        },
      },
    },
  };
};
