import type { StateCreator } from 'zustand';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';
import { fixtureTracks } from '../library/fixture';
import { defaultQuery, type LibraryQuery } from '../library/query';

export interface LibrarySlice {
  library: {
    tracks: RoomTrack[];
    /** The same tracks by id, for the queue, now playing and downloads. */
    byId: ReadonlyMap<string, RoomTrack>;
    loaded: boolean;
    /** True when the list is the dev-only generated fixture (`?fixture=N`), not the room's library. */
    fixture: boolean;
    query: LibraryQuery;
    actions: {
      load(): Promise<void>;
      loadFixture(count: number): void;
      setQuery(patch: Partial<LibraryQuery>): void;
    };
  };
}

const index = (tracks: RoomTrack[]) => new Map(tracks.map((t) => [t.trackId, t]));

/** The room's combined library, mirrored from the host, and the user's search/sort/filter. */
export const createLibrarySlice: StateCreator<LibrarySlice, [], [], LibrarySlice> = (set, get) => ({
  library: {
    tracks: [],
    byId: new Map(),
    loaded: false,
    fixture: false,
    query: defaultQuery,
    actions: {
      async load() {
        if (get().library.fixture) return;
        const tracks = await bridge().library.list();
        set((s) => ({ library: { ...s.library, tracks, byId: index(tracks), loaded: true } }));
      },
      loadFixture(count) {
        // DEV/TEST ONLY (see library/fixture.ts).
        const tracks = fixtureTracks(count);
        set((s) => ({ library: { ...s.library, tracks, byId: index(tracks), loaded: true, fixture: true } }));
      },
      setQuery(patch) {
        set((s) => ({ library: { ...s.library, query: { ...s.library.query, ...patch } } }));
      },
    },
  },
});
