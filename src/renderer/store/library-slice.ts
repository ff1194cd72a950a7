import type { StateCreator } from 'zustand';
import type { RoomTrack } from '../../shared/bridge/contract';
import { bridge } from '../bridge';
import { defaultQuery, type LibraryQuery } from '../library/query';

export interface LibrarySlice {
  library: {
    tracks: RoomTrack[];
    loaded: boolean;
    query: LibraryQuery;
    actions: { load(): Promise<void>; setQuery(patch: Partial<LibraryQuery>): void };
  };
}

/** The room's combined library, mirrored from the host, and the user's search/sort/filter. */
export const createLibrarySlice: StateCreator<LibrarySlice, [], [], LibrarySlice> = (set) => ({
  library: {
    tracks: [],
    loaded: false,
    query: defaultQuery,
    actions: {
      async load() {
        const tracks = await bridge().library.list();
        set((s) => ({ library: { ...s.library, tracks, loaded: true } }));
      },
      setQuery(patch) {
        set((s) => ({ library: { ...s.library, query: { ...s.library.query, ...patch } } }));
      },
    },
  },
});
