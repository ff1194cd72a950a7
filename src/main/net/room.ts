import { hkdfSync, scrypt } from 'node:crypto';

/** Passphrase used when the user names no room. */
export const DEFAULT_ROOM_PASSPHRASE = 'firefly';

/** Everything a peer derives from its room passphrase. */
export interface Room {
  /** Short hex id of the room; safe to show and to put in names, since it comes from the slow KDF. */
  readonly hash: string;
  /** Pre-shared key in the v1 swarm key file format that `@libp2p/pnet` expects. */
  readonly psk: Uint8Array;
  /** Gossipsub topic of the room's control channel. */
  readonly controlTopic: string;
  /** mDNS service tag, so rooms on one LAN don't discover (and fail to dial) each other. */
  readonly mdnsServiceTag: string;
}

// Fixed salt: every peer must derive the same key from the same passphrase, and the
// salt only needs to keep these keys apart from other uses of the passphrase.
const KDF_SALT = 'firefly/room/v1';
// scrypt makes guessing a passphrase from the mDNS tag or topic names expensive.
const SCRYPT_N = 1 << 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const ROOM_HASH_BYTES = 8;

/** Derives the pnet key and the room's names from a passphrase (empty or missing means the default room). */
export async function deriveRoom(passphrase?: string): Promise<Room> {
  const phrase =
    passphrase === undefined || passphrase === '' ? DEFAULT_ROOM_PASSPHRASE : passphrase.normalize('NFC');
  const master = await scryptAsync(phrase, KDF_SALT, 32);
  const pskBytes = new Uint8Array(hkdfSync('sha256', master, KDF_SALT, 'pnet-psk', 32));
  const hashBytes = new Uint8Array(hkdfSync('sha256', master, KDF_SALT, 'room-hash', ROOM_HASH_BYTES));
  const hash = toHex(hashBytes);
  return {
    hash,
    psk: encodeSwarmKeyV1(pskBytes),
    controlTopic: `firefly/${hash}/control/1`,
    mdnsServiceTag: `_ff-${hash}._udp.local`,
  };
}

/** Protocol id of a room-scoped stream protocol, e.g. `roomProtocol(room, 'clock')` → `/firefly/<hash>/clock/1.0.0`. */
export function roomProtocol(room: Pick<Room, 'hash'>, name: string, version = '1.0.0'): string {
  return `/firefly/${room.hash}/${name}/${version}`;
}

/** Formats 32 key bytes as a v1 swarm key file (`/key/swarm/psk/1.0.0/`, `/base16/`, hex). */
export function encodeSwarmKeyV1(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError(`a swarm key has 32 bytes, got ${key.length}`);
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${toHex(key)}`);
}

function scryptAsync(phrase: string, salt: string, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      phrase,
      salt,
      keyLength,
      { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: 64 * 1024 * 1024 },
      (error, key) => {
        if (error) reject(error);
        else resolve(key);
      },
    );
  });
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
