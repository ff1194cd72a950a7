/** The renderer's one store, made of slices; components read it through the selector hooks below. */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { RoomTrack } from '../../shared/bridge/payloads';
import { currentTrackId } from '../../shared/playback/state';
import type { MemberInfo } from '../../shared/status';
import { bridge } from '../bridge';
import { fixtureCountFromSearch } from '../library/fixture';
import { describeRoomChanges } from '../room/health';
import { createCalibrationSlice, type CalibrationSlice } from './calibration-slice';
import { createDevicesSlice, type DevicesSlice } from './devices-slice';
import { createLibrarySlice, type LibrarySlice } from './library-slice';
import { createPeerSlice, type PeerSlice } from './peer-slice';
import { createPlaybackSlice, type PlaybackSlice } from './playback-slice';
import { createPlaylistsSlice, type PlaylistsSlice } from './playlists-slice';
import { createSettingsSlice, type SettingsSlice } from './settings-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type Store = PeerSlice &
  SettingsSlice &
  LibrarySlice &
  PlaybackSlice &
  UiSlice &
  DevicesSlice &
  PlaylistsSlice &
  CalibrationSlice;
export type { View } from './ui-slice';

export const useStore = create<Store>()((...a) => ({
  ...createPeerSlice(...a),
  ...createSettingsSlice(...a),
  ...createLibrarySlice(...a),
  ...createPlaybackSlice(...a),
  ...createUiSlice(...a),
  ...createDevicesSlice(...a),
  ...createPlaylistsSlice(...a),
  ...createCalibrationSlice(...a),
}));

/** This peer's identity. */
export const useIdentity = () => useStore((s) => s.peer.identity);
/** The room status as last pushed by the host. */
export const usePeerStatus = () => useStore((s) => s.peer.status);
/** What keeps this device's data folder from taking downloads ("disk full: 12 MB needed"), or null. */
export const useStorageProblem = () => useStore((s) => s.peer.status?.storage?.message ?? null);
const noMembers: MemberInfo[] = [];

/** Members of the room with the leader, for the peers panel. */
export const usePeers = () =>
  useStore(
    useShallow((s) => ({
      members: s.peer.status?.members ?? noMembers,
      leader: s.peer.status?.leader ?? null,
    })),
  );
/** The last error talking to the host, if any. */
export const useBridgeError = () => useStore((s) => s.peer.error);
/** Device settings. */
export const useSettings = () => useStore((s) => s.settings.values);
/** The last error saving settings. */
export const useSettingsError = () => useStore((s) => s.settings.error);
/** Store actions, grouped by slice. */
export const useActions = () =>
  useStore(
    useShallow((s) => ({
      peer: s.peer.actions,
      settings: s.settings.actions,
      library: s.library.actions,
      playback: s.playback.actions,
      ui: s.ui.actions,
      devices: s.devices.actions,
      playlists: s.playlists.actions,
      calibration: s.calibration.actions,
    })),
  );
/** The room's playlists, and the last error changing one. */
export const usePlaylists = () =>
  useStore(useShallow((s) => ({ list: s.playlists.list, error: s.playlists.error })));
/** Every device's output settings (this one first), and the last error changing one. */
export const useDevices = () =>
  useStore(useShallow((s) => ({ list: s.devices.list, error: s.devices.error })));
/** The latest room calibration, what a running one does, and the outcome of Apply. */
export const useCalibration = () =>
  useStore(
    useShallow((s) => ({
      report: s.calibration.report,
      progress: s.calibration.progress,
      applied: s.calibration.applied,
    })),
  );
/** The room's playback state. */
export const usePlaybackState = () => useStore((s) => s.playback.state);
/** The last playback command error. */
export const usePlaybackError = () => useStore((s) => s.playback.error);
/** The room's tracks and the current search, sort and filter. */
export const useLibrary = () =>
  useStore(
    useShallow((s) => ({
      tracks: s.library.tracks,
      query: s.library.query,
      loaded: s.library.loaded,
      fixture: s.library.fixture,
    })),
  );
/** The room's tracks by id. */
export const useTrackMap = () => useStore((s) => s.library.byId);
/** The current track's id and its library entry (undefined while the listing lacks it). */
export const useCurrentTrack = () =>
  useStore(
    useShallow((s): { trackId: string | null; track: RoomTrack | undefined } => {
      const trackId = s.playback.state ? currentTrackId(s.playback.state) : null;
      return { trackId, track: trackId ? s.library.byId.get(trackId) : undefined };
    }),
  );
/** Which screen shows. */
export const useView = () => useStore((s) => s.ui.view);
/** Window-only UI state: dialogs, focus requests, announcements. */
export const useUi = () =>
  useStore(
    useShallow((s) => ({
      shortcutsOpen: s.ui.shortcutsOpen,
      searchFocusRequest: s.ui.searchFocusRequest,
      announcement: s.ui.announcement,
    })),
  );

/** Loads the initial state and subscribes to the host's pushes; returns an unsubscribe function. */
export function connectStore(search: string = location.search): () => void {
  const { peer, settings, library } = useStore.getState();
  void peer.actions.load();
  void settings.actions.load().catch(() => undefined);
  // DEV/TEST ONLY: `?fixture=N` shows a generated library (see library/fixture.ts).
  const fixture = fixtureCountFromSearch(search);
  if (fixture !== null) library.actions.loadFixture(fixture);
  else void library.actions.load().catch(() => undefined);
  void useStore
    .getState()
    .playback.actions.load()
    .catch(() => undefined);
  void useStore
    .getState()
    .playlists.actions.load()
    .catch(() => undefined);
  const offs = [
    bridge().on('status:changed', (status) => {
      const before = useStore.getState().peer.status;
      useStore.getState().peer.actions.setStatus(status);
      if (status.devices) useStore.getState().devices.actions.setList(status.devices);
      const changes = describeRoomChanges(before, status);
      if (changes.length > 0) useStore.getState().ui.actions.announce(changes.join(' '));
    }),
    bridge().on('settings:changed', (values) => useStore.getState().settings.actions.set(values)),
    bridge().on('playback:changed', (state) => useStore.getState().playback.actions.setState(state)),
    bridge().on('playlists:changed', (list) => useStore.getState().playlists.actions.setList(list)),
    bridge().on(
      'library:changed',
      () =>
        void useStore
          .getState()
          .library.actions.load()
          .catch(() => undefined),
    ),
  ];
  return () => offs.forEach((off) => off());
}
