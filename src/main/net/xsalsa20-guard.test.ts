import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { guardXSalsa20 } from './xsalsa20-guard';

const require = createRequire(import.meta.url);

interface Cipher {
  update(input: Uint8Array): Uint8Array;
  _xor: { _memory: Uint8Array };
}
const XSalsa20 = require('xsalsa20') as new (nonce: Uint8Array, key: Uint8Array) => Cipher;

describe('the XSalsa20 guard', () => {
  it('keeps many ciphers in one thread from growing the shared memory without end, and keeps them correct', () => {
    expect(guardXSalsa20()).toBe(true);
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(24).fill(9);
    const senders = Array.from({ length: 40 }, () => new XSalsa20(nonce, key));
    const receivers = Array.from({ length: 40 }, () => new XSalsa20(nonce, key));
    const plain = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);
    // One big input grows the memory and detaches every other cipher's view of it.
    const big = new Uint8Array(2 * 1024 * 1024).fill(1);
    receivers[0]!.update(senders[0]!.update(big));
    const pagesAfterGrow = senders[0]!._xor._memory.length / 65536;
    for (let round = 0; round < 50; round++) {
      for (let i = 1; i < 40; i++) {
        const decrypted = receivers[i]!.update(senders[i]!.update(plain));
        expect(decrypted).toEqual(plain);
      }
    }
    // Without the guard every one of those 3,900 updates would have grown the memory by a page
    // (past its 1,000-page limit: a throw).
    expect(senders[1]!._xor._memory.length / 65536).toBe(pagesAfterGrow);
  });
});
