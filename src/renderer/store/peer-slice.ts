import type { StateCreator } from 'zustand';
import type { Identity } from '../../shared/bridge/payloads';
import type { PeerStatus } from '../../shared/status';
import { bridge } from '../bridge';

export interface PeerSlice {
  peer: {
    identity: Identity | null;
    status: PeerStatus | null;
    error: string | null;
    actions: { load(): Promise<void>; setStatus(status: PeerStatus): void };
  };
}

/** This peer's identity and the room's status, mirrored from the host peer. */
export const createPeerSlice: StateCreator<PeerSlice, [], [], PeerSlice> = (set) => ({
  peer: {
    identity: null,
    status: null,
    error: null,
    actions: {
      async load() {
        try {
          const [identity, status] = await Promise.all([bridge().peer.identity(), bridge().peer.status()]);
          set((s) => ({ peer: { ...s.peer, identity, status, error: null } }));
        } catch (error) {
          set((s) => ({
            peer: { ...s.peer, error: error instanceof Error ? error.message : String(error) },
          }));
        }
      },
      setStatus(status) {
        set((s) => ({
          peer: { ...s.peer, status, identity: { peerId: status.self.peerId, name: status.self.name } },
        }));
      },
    },
  },
});
