import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';

/** File name of the peer's private key inside its data folder. */
export const PEER_KEY_FILE = 'peer-key';

/** The key file exists but cannot be read as a private key; refusing beats silently becoming another peer. */
export class PeerKeyCorruptError extends Error {
  override readonly name = 'PeerKeyCorruptError';
}

/** Loads the peer's private key from `<dataDir>/peer-key`, creating an Ed25519 key on first run. */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE);
  let bytes: Uint8Array | null = null;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (bytes !== null) {
    try {
      return privateKeyFromProtobuf(bytes);
    } catch (error) {
      throw new PeerKeyCorruptError(
        `${path} is not a libp2p private key; move it away to start with a new peer id`,
        { cause: error },
      );
    }
  }
  const key = await generateKeyPair('Ed25519');
  await mkdir(dataDir, { recursive: true });
  // Write then rename, so a crash never leaves a half-written key that would change the peer id.
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, privateKeyToProtobuf(key), { mode: 0o600 });
  await rename(temp, path);
  return key;
}
