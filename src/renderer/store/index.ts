/** The renderer's one store, made of slices; components read it through the selector hooks below. */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { MemberInfo } from '../../shared/status';
import { bridge } from '../bridge';
import { createPeerSlice, type PeerSlice } from './peer-slice';
import { createSettingsSlice, type SettingsSlice } from './settings-slice';

export type Store = PeerSlice & SettingsSlice;

export const useStore = create<Store>()((...a) => ({
  ...createPeerSlice(...a),
  ...createSettingsSlice(...a),
}));

/** This peer's identity. */
export const useIdentity = () => useStore((s) => s.peer.identity);
/** The room status as last pushed by the host. */
export const usePeerStatus = () => useStore((s) => s.peer.status);
const noMembers: MemberInfo[] = [];

/** Members of the room with the leader, for the peers panel. */
export const usePeers = () =>
  useStore(useShallow((s) => ({ members: s.peer.status?.members ?? noMembers, leader: s.peer.status?.leader ?? null })));
/** The last error talking to the host, if any. */
export const useBridgeError = () => useStore((s) => s.peer.error);
/** Device settings. */
export const useSettings = () => useStore((s) => s.settings.values);
/** Store actions, grouped by slice. */
export const useActions = () => useStore(useShallow((s) => ({ peer: s.peer.actions, settings: s.settings.actions })));

/** Loads the initial state and subscribes to the host's pushes; returns an unsubscribe function. */
export function connectStore(): () => void {
  const { peer, settings } = useStore.getState();
  void peer.actions.load();
  void settings.actions.load().catch(() => undefined);
  const offs = [
    bridge().on('status:changed', (status) => useStore.getState().peer.actions.setStatus(status)),
    bridge().on('settings:changed', (values) => useStore.getState().settings.actions.set(values)),
  ];
  return () => offs.forEach((off) => off());
}
