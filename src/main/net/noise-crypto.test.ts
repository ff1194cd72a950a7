import { randomBytes } from 'node:crypto';
import type { ICryptoInterface } from '@chainsafe/libp2p-noise';
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto';
import { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { noiseCrypto } from './noise-crypto';

const bytes = (data: { subarray(): Uint8Array }): Buffer => Buffer.from(data.subarray());
/** A message in parts, typed as Noise's own (a nested copy of uint8arraylist). */
type Parts = Parameters<ICryptoInterface['chaCha20Poly1305Encrypt']>[0];
const inParts = (...parts: Uint8Array[]): Parts => new Uint8ArrayList(...parts) as unknown as Parts;

describe("Noise's crypto with libsodium's AEAD", () => {
  const ours = noiseCrypto();
  const key = new Uint8Array(randomBytes(32));
  const nonce = new Uint8Array(randomBytes(12));
  const ad = new Uint8Array(randomBytes(32));

  it('is not the default here (libsodium loaded)', () => {
    expect(ours.chaCha20Poly1305Encrypt).not.toBe(defaultCrypto.chaCha20Poly1305Encrypt);
  });

  it("seals and opens exactly as Noise's default does, both ways, whole or in parts", () => {
    for (const size of [0, 1, 1199, 1200, 65_519]) {
      const plain = new Uint8Array(randomBytes(size));
      const sealed = bytes(ours.chaCha20Poly1305Encrypt(plain, nonce, ad, key));
      expect(bytes(sealed).equals(bytes(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, key)))).toBe(
        true,
      );
      expect(
        bytes(defaultCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, key)).equals(Buffer.from(plain)),
      ).toBe(true);
      const parts = inParts(plain.subarray(0, size >> 1), plain.subarray(size >> 1));
      expect(bytes(ours.chaCha20Poly1305Encrypt(parts, nonce, ad, key)).equals(bytes(sealed))).toBe(true);
      const sealedParts = inParts(bytes(sealed).subarray(0, 3), bytes(sealed).subarray(3));
      expect(
        bytes(ours.chaCha20Poly1305Decrypt(sealedParts, nonce, ad, key)).equals(Buffer.from(plain)),
      ).toBe(true);
    }
  });

  it('opens into the buffer Noise offers (the ciphertext itself)', () => {
    const plain = new Uint8Array(randomBytes(4096));
    const sealed = new Uint8Array(bytes(ours.chaCha20Poly1305Encrypt(plain, nonce, ad, key)));
    const dst = sealed.subarray(0, plain.length);
    const opened = ours.chaCha20Poly1305Decrypt(sealed, nonce, ad, key, dst);
    expect(bytes(opened).equals(Buffer.from(plain))).toBe(true);
    expect((opened as Uint8Array).buffer).toBe(sealed.buffer);
  });

  it('refuses a tampered, truncated or wrongly keyed message', () => {
    const plain = new Uint8Array(randomBytes(1000));
    const sealed = new Uint8Array(bytes(ours.chaCha20Poly1305Encrypt(plain, nonce, ad, key)));
    const flipped = Uint8Array.from(sealed);
    flipped[10]! ^= 1;
    expect(() => ours.chaCha20Poly1305Decrypt(flipped, nonce, ad, key)).toThrow(/Invalid chacha20poly1305/);
    expect(() => ours.chaCha20Poly1305Decrypt(sealed, nonce, new Uint8Array(32), key)).toThrow(/Invalid/);
    expect(() => ours.chaCha20Poly1305Decrypt(sealed, nonce, ad, new Uint8Array(32))).toThrow(/Invalid/);
    expect(() => ours.chaCha20Poly1305Decrypt(sealed.subarray(0, 15), nonce, ad, key)).toThrow(/too short/);
  });
});
