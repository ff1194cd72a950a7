/**
 * How a Firefly peer's libp2p node is built: TCP with Noise and Yamux behind the room's private
 * network key, identify and ping, mDNS when asked for, and gossipsub tuned for a small room of
 * trusted peers (every option below says why).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { gossipsub } from '@libp2p/gossipsub';
import type { GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Identify } from '@libp2p/identify';
import { mdns } from '@libp2p/mdns';
import { ping } from '@libp2p/ping';
import type { Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';
import type { Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface';
import { noiseCrypto } from './noise-crypto';
import { roomProtector } from './pnet';
import type { Room } from './room';

/** The libp2p services every Firefly peer runs. */
export interface PeerServices extends Record<string, unknown> {
  identify: Identify;
  ping: Ping;
  pubsub: GossipSub;
}

/** Largest control message accepted from a peer; bigger data travels over streams. */
export const MAX_CONTROL_MESSAGE_BYTES = 256 * 1024;

/**
 * Id of a received gossipsub message for the seen-cache check that precedes verification: its signature.
 * Only messages that verified are entered in that cache, and a valid signature is the sender's over the
 * whole message, so a copy bearing it is that same message (a forged one reusing it is only dropped).
 * Unsigned messages get one id that is never entered, and fail verification as before.
 */
export function signatureMessageId(message: { signature?: Uint8Array }): string {
  const { signature } = message;
  if (signature === undefined) return '';
  return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1');
}

/** What `buildLibp2p` needs: the room, the key, where to listen, and the options of `PeerNodeInit`. */
export interface Libp2pPlan {
  room: Room;
  privateKey: PrivateKey;
  /** The listen multiaddr. */
  listen: string;
  /** Multiaddrs announced instead of the listening ones; empty: those. */
  announce: string[];
  dialTimeoutMs: number;
  mdns: boolean;
  mdnsIntervalMs?: number;
  heartbeatMs?: number;
  extraTopics?: readonly string[];
}

/** Creates the (not yet started) libp2p node, and the mDNS discovery when `mdns` is on. */
export async function buildLibp2p(
  plan: Libp2pPlan,
): Promise<{ libp2p: Libp2p<PeerServices>; mdnsDiscovery: PeerDiscovery | null }> {
  const { room, privateKey, listen, announce, dialTimeoutMs } = plan;
  let mdnsDiscovery: PeerDiscovery | null = null;
  const libp2p = await createLibp2p<PeerServices>({
    start: false,
    privateKey,
    addresses: { listen: [listen], ...(announce.length > 0 ? { announce } : {}) },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto() })],
    streamMuxers: [yamux()],
    connectionProtector: roomProtector({ psk: room.psk }),
    connectionManager: {
      dialTimeout: dialTimeoutMs,
      // Every peer of a test (or of one PC running several speakers) shares one host
      // address; the default of 5 new connections a second would refuse them.
      inboundConnectionThreshold: 100,
    },
    peerDiscovery: plan.mdns
      ? [
          (components) => {
            mdnsDiscovery = mdns({
              interval: plan.mdnsIntervalMs ?? 5_000,
              serviceTag: room.mdnsServiceTag,
            })(components);
            return mdnsDiscovery;
          },
        ]
      : [],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // A lone peer still publishes its heartbeats; nobody hearing them is not an error.
        allowPublishToZeroTopicPeers: true,
        // Services apply their own messages locally; echoing them back would double-apply.
        emitSelf: false,
        // Send our own messages straight to every subscribed peer: in a room of a few
        // PCs that is everyone, and it does not wait for the mesh to form.
        floodPublish: true,
        // The mesh (used to forward others' messages) is repaired on heartbeats; a short
        // interval makes a freshly joined peer part of it within half a second.
        heartbeatInterval: plan.heartbeatMs ?? 500,
        // Process each peer's RPCs and messages in arrival order, so control messages
        // from one sender are delivered in the order they were sent.
        awaitRpcHandler: true,
        awaitRpcMessageHandler: true,
        // Only the room's topics: a peer cannot make us track arbitrary ones.
        allowedTopics: [room.controlTopic, ...(plan.extraTopics ?? [])],
        maxInboundDataLength: MAX_CONTROL_MESSAGE_BYTES,
        // Senders must sign, so every delivered message carries a verified peer id.
        globalSignaturePolicy: 'StrictSign',
        // Gossipsub verifies a message's signature before its seen-cache check, so every copy a peer
        // receives (one from the sender, more relayed by the mesh) cost a verification; keyed by signature,
        // copies of a message already verified are dropped first.
        fastMsgIdFn: signatureMessageId,
        // Only holders of the room key (pnet) get this far, and several peers behind one address are normal here
        // (one box running several speakers, a NAT). The default penalty for more than 10 peers per IP would
        // drop them below the publish threshold and silence the room.
        scoreParams: { IPColocationFactorWeight: 0 },
        // Every peer publishes straight to every other (floodPublish), so the mesh only repairs gaps in a room that
        // is not fully connected; a small mesh keeps each message from being relayed to everyone six more times.
        // Each relayed copy still costs its receiver a decryption and a decode: with two mesh peers each, a room of
        // 32 idles on about a fifth less CPU than with three. (A random graph where each peer picks two others is
        // connected; the members of a room are trusted, so no quota of outbound mesh links guards against eclipses.)
        D: 2,
        Dlo: 1,
        Dhi: 3,
        Dout: 0,
        Dscore: 2,
        Dlazy: 3,
      }),
    },
  });
  return { libp2p, mdnsDiscovery };
}
