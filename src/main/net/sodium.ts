/**
 * libsodium (`sodium-native`, N-API prebuilds for every desktop platform, so neither Node nor
 * Electron rebuilds it) for the ciphers every byte between peers passes through: pnet's XSalsa20
 * and Noise's ChaCha20-Poly1305. Loaded once and checked against known outputs before use; where it
 * cannot load or fails a check, callers fall back to their libraries' own ciphers.
 */
import { createRequire } from 'node:module';

/** The part of sodium-native used here. */
export interface Sodium {
  crypto_stream_xor_STATEBYTES: number;
  crypto_stream_xor_init(state: Uint8Array, nonce: Uint8Array, key: Uint8Array): void;
  crypto_stream_xor_update(state: Uint8Array, out: Uint8Array, input: Uint8Array): void;
  crypto_stream_xor_final(state: Uint8Array): void;
  /** Writes `m.length + 16` bytes to `c`; returns that length. `nsec` must be null. */
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  /** Writes `c.length - 16` bytes to `m`; throws when the tag does not verify. */
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const counting = (length: number, from: number) => Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);

/**
 * The first 16 XSalsa20 key-stream bytes for key 0, 1, …, 31 and nonce 100, 101, …, 123, as the
 * `xsalsa20` package (pnet's own cipher, an independent implementation) computes them.
 */
function xsalsa20Works(s: Sodium): boolean {
  const state = new Uint8Array(s.crypto_stream_xor_STATEBYTES);
  s.crypto_stream_xor_init(state, counting(24, 100), counting(32, 0));
  const out = new Uint8Array(16);
  s.crypto_stream_xor_update(state, out, new Uint8Array(16));
  s.crypto_stream_xor_final(state);
  return hex(out) === '687dffe12afa5fef7e0feb195d6cd992';
}

/** The ChaCha20-Poly1305 test vector of RFC 8439, section 2.8.2 (its tag and first ciphertext bytes). */
function chachaPolyWorks(s: Sodium): boolean {
  const plaintext = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const key = counting(32, 0x80);
  const nonce = Uint8Array.from([0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47]);
  const ad = Uint8Array.from([0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7]);
  const sealed = new Uint8Array(plaintext.length + 16);
  s.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plaintext, ad, null, nonce, key);
  const opened = new Uint8Array(plaintext.length);
  s.crypto_aead_chacha20poly1305_ietf_decrypt(opened, null, sealed, ad, nonce, key);
  return (
    hex(sealed.subarray(0, 8)) === 'd31a8d34648e60db' &&
    hex(sealed.subarray(plaintext.length)) === '1ae10b594f09e26a7e902ecbd0600691' &&
    hex(opened) === hex(plaintext)
  );
}

let sodium: Sodium | null | undefined;

/** libsodium, or null where it cannot be loaded or gives a wrong answer. */
export function loadSodium(): Sodium | null {
  if (sodium !== undefined) return sodium;
  try {
    const loaded = createRequire(import.meta.url)('sodium-native') as Sodium;
    sodium = xsalsa20Works(loaded) && chachaPolyWorks(loaded) ? loaded : null;
  } catch {
    sodium = null;
  }
  return sodium;
}
