import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { noise } from '@chainsafe/libp2p-noise';
import type { ConnectionProtector } from '@libp2p/interface';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { noiseCrypto } from './noise-crypto';
import { decodeSwarmKeyV1, pnetCipher, roomProtector } from './pnet';
import { encodeSwarmKeyV1 } from './room';
import { loadSodium } from './sodium';

const PROTOCOL = '/firefly-test/echo/1.0.0';
const nodes: Libp2p[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

async function node(protector: () => ConnectionProtector, stock = false): Promise<Libp2p> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [stock ? noise() : noise({ crypto: noiseCrypto() })],
    streamMuxers: [yamux()],
    connectionProtector: protector,
  });
  nodes.push(libp2p);
  // Echoes every frame back.
  await libp2p.handle(PROTOCOL, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: 1 << 20 });
    try {
      for (;;) await lp.write(await lp.read());
    } catch {
      await stream.close().catch(() => undefined);
    }
  });
  return libp2p;
}

/** Sends frames of awkward sizes (so the key stream continues across odd boundaries) and checks the echoes. */
async function echo(from: Libp2p, to: Libp2p): Promise<number> {
  const stream = await from.dialProtocol(to.getMultiaddrs()[0]!, PROTOCOL, {
    signal: AbortSignal.timeout(5_000),
  });
  const lp = lpStream(stream, { maxDataLength: 1 << 20 });
  let bytes = 0;
  for (const size of [1, 63, 64, 65, 1000, 65_535, 65_537, 300_000, 7]) {
    const frame = randomBytes(size);
    await lp.write(frame);
    const back = await lp.read();
    expect(Buffer.from(back.subarray()).equals(frame)).toBe(true);
    bytes += size;
  }
  await stream.close();
  return bytes;
}

describe('the room protector (pnet protocol, libsodium cipher)', () => {
  const psk = encodeSwarmKeyV1(new Uint8Array(randomBytes(32)));

  it('uses libsodium here and reads v1 swarm keys', () => {
    expect(pnetCipher()).toBe('libsodium');
    const key = new Uint8Array(randomBytes(32));
    expect(decodeSwarmKeyV1(encodeSwarmKeyV1(key))).toEqual(key);
    for (const bad of [
      '',
      '/key/swarm/psk/1.0.0/\n/base16/\nabc',
      '/key/swarm/psk/1.0.0/\n/base64/\n' + 'a'.repeat(64),
    ]) {
      expect(() => decodeSwarmKeyV1(new TextEncoder().encode(bad))).toThrow(/not a v1 swarm key/);
    }
    expect(() => roomProtector({ psk: new TextEncoder().encode('nonsense') })).toThrow(/not a v1 swarm key/);
  });

  it('carries a stream between two peers that both use it', async () => {
    const a = await node(roomProtector({ psk }));
    const b = await node(roomProtector({ psk }));
    expect(await echo(a, b)).toBeGreaterThan(400_000);
  });

  it('talks to a stock peer (@libp2p/pnet, Noise’s own crypto) both ways: the wire formats are theirs', async () => {
    const ours = await node(roomProtector({ psk }));
    const stock = await node(preSharedKey({ psk }), true);
    expect(await echo(ours, stock)).toBeGreaterThan(400_000);
    expect(await echo(stock, ours)).toBeGreaterThan(400_000);
  });

  it('falls back to stock @libp2p/pnet without libsodium, and still talks to peers that have it', async () => {
    expect(roomProtector({ psk, sodium: null })().constructor.name).toBe('PreSharedKeyConnectionProtector');
    expect(roomProtector({ psk })().constructor.name).toBe('SodiumPreSharedKey');
    const fallback = await node(roomProtector({ psk, sodium: null }));
    const ours = await node(roomProtector({ psk }));
    expect(await echo(fallback, ours)).toBeGreaterThan(400_000);
    expect(await echo(ours, fallback)).toBeGreaterThan(400_000);
  });

  it('keeps out a peer with another room key, whichever side dials', async () => {
    const ours = await node(roomProtector({ psk }));
    const other = await node(roomProtector({ psk: encodeSwarmKeyV1(new Uint8Array(randomBytes(32))) }));
    const stockOther = await node(
      preSharedKey({ psk: encodeSwarmKeyV1(new Uint8Array(randomBytes(32))) }),
      true,
    );
    for (const [from, to] of [
      [ours, other],
      [other, ours],
      [stockOther, ours],
    ] as const) {
      await expect(
        from.dialProtocol(to.getMultiaddrs()[0]!, PROTOCOL, { signal: AbortSignal.timeout(3_000) }),
      ).rejects.toThrow();
    }
    expect(ours.getConnections()).toHaveLength(0);
  });

  it('matches the xsalsa20 package’s key stream on a long run of odd-sized updates', () => {
    // The same cipher pnet itself uses, as an independent reference.
    const require = createRequire(import.meta.url);
    const XSalsa20 = require('xsalsa20') as new (
      n: Uint8Array,
      k: Uint8Array,
    ) => { update(i: Uint8Array): Uint8Array };
    const sodium = loadSodium()!;
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(24));
    const reference = new XSalsa20(nonce, key);
    const state = new Uint8Array(sodium.crypto_stream_xor_STATEBYTES);
    sodium.crypto_stream_xor_init(state, nonce, key);
    const data = randomBytes(3 * 1024 * 1024);
    let offset = 0;
    let step = 0;
    while (offset < data.length) {
      const size = [1, 7, 64, 65, 127, 4096, 65_536, 100_003][step++ % 8]!;
      const input = data.subarray(offset, offset + size);
      const ours = new Uint8Array(input.length);
      sodium.crypto_stream_xor_update(state, ours, input);
      expect(Buffer.from(ours).equals(Buffer.from(reference.update(input)))).toBe(true);
      offset += size;
    }
  });
});
