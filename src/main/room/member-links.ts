/**
 * Keeps this peer connected to every room member it hears of. A room found through one bootstrap
 * peer starts as a star around it; members' heartbeats name their addresses, and dialling them
 * makes the room fully connected, so every control message goes straight from its sender to every
 * member instead of being relayed. A member that joins is dialled at once; members still not
 * connected (a refused or failed dial) are tried again every `retryMs`.
 */
import type { Member } from '../../shared/election';

/** What the links need of the network node. */
export interface MemberLinksNode {
  connectedPeers(): string[];
  dialMember(peerId: string, addrs: readonly string[]): void;
}

/** What the links need of the room. */
export interface MemberLinksRoom {
  members(): readonly Member[];
  events: { on(event: 'member:joined', listener: (member: Member) => void): () => void };
}

/** Starts keeping links; returns a function that stops it. */
export function keepMemberLinks(
  node: MemberLinksNode,
  room: MemberLinksRoom,
  options: { retryMs?: number } = {},
): () => void {
  const unsubscribe = room.events.on('member:joined', (member) =>
    node.dialMember(member.peerId, member.addrs),
  );
  const timer = setInterval(() => {
    const connected = new Set(node.connectedPeers());
    for (const member of room.members()) {
      if (!connected.has(member.peerId)) node.dialMember(member.peerId, member.addrs);
    }
  }, options.retryMs ?? 5_000);
  timer.unref?.();
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
