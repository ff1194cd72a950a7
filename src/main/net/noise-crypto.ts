/**
 * Noise's crypto with libsodium's ChaCha20-Poly1305 for the transport messages.
 *
 * Noise seals every message a connection carries (up to 64 KiB each). Its Node default opens a new
 * OpenSSL cipher per message (a key object, a context, then a joined copy of the output), which cost
 * about as much as the cipher itself on 64 KiB messages; libsodium seals in one call into one
 * buffer. In Electron's main process the default is a WebAssembly cipher (Electron's BoringSSL has
 * no ChaCha20-Poly1305), so there libsodium matters more. The handshake's key agreement, hashing and
 * key derivation stay Noise's defaults. Without libsodium, Noise's defaults are used throughout.
 */
import type { ICryptoInterface } from '@chainsafe/libp2p-noise';
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto';
import { loadSodium } from './sodium';

const TAG_BYTES = 16;

/** The bytes of a message that may come in parts (Noise's own Uint8ArrayList type). */
const whole = (data: Uint8Array | { subarray(): Uint8Array }): Uint8Array =>
  data instanceof Uint8Array ? data : data.subarray();

/** Noise's crypto for this process: libsodium's AEAD where it loads, Noise's defaults otherwise. */
export function noiseCrypto(): ICryptoInterface {
  const s = loadSodium();
  if (!s) return defaultCrypto;
  return {
    ...defaultCrypto,
    chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
      const input = whole(plaintext);
      const sealed = Buffer.allocUnsafe(input.byteLength + TAG_BYTES);
      s.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, input, ad, null, nonce, k);
      return sealed;
    },
    chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
      const input = whole(ciphertext);
      if (input.byteLength < TAG_BYTES)
        throw new Error('Invalid chacha20poly1305 decryption: message too short');
      const length = input.byteLength - TAG_BYTES;
      const out = dst && dst.byteLength >= length ? dst.subarray(0, length) : Buffer.allocUnsafe(length);
      try {
        s.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, input, ad, nonce, k);
      } catch {
        throw new Error('Invalid chacha20poly1305 decryption');
      }
      return out;
    },
  };
}

/** Which ChaCha20-Poly1305 Noise uses here: libsodium, or Noise's own default. */
export function noiseCipher(): 'libsodium' | 'noise-default' {
  return loadSodium() ? 'libsodium' : 'noise-default';
}
