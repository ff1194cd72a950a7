import { preSharedKey } from '@libp2p/pnet';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROOM_PASSPHRASE, deriveRoom, encodeSwarmKeyV1, roomProtocol } from './room';

describe('deriveRoom', () => {
  it('derives the same key and names from the same passphrase', async () => {
    const a = await deriveRoom('kitchen party');
    const b = await deriveRoom('kitchen party');
    expect(b.hash).toBe(a.hash);
    expect(Buffer.from(b.psk).equals(Buffer.from(a.psk))).toBe(true);
  });

  it('gives different passphrases different keys and hashes', async () => {
    const a = await deriveRoom('kitchen party');
    const b = await deriveRoom('kitchen party!');
    expect(b.hash).not.toBe(a.hash);
    expect(Buffer.from(b.psk).equals(Buffer.from(a.psk))).toBe(false);
  });

  it('uses the default room when no passphrase is given', async () => {
    const byDefault = await deriveRoom();
    expect((await deriveRoom('')).hash).toBe(byDefault.hash);
    expect((await deriveRoom(DEFAULT_ROOM_PASSPHRASE)).hash).toBe(byDefault.hash);
  });

  it('writes the psk in the v1 swarm key format that @libp2p/pnet accepts', async () => {
    const room = await deriveRoom('x');
    expect(new TextDecoder().decode(room.psk)).toMatch(
      /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/,
    );
    expect(() => preSharedKey({ psk: room.psk })()).not.toThrow();
  });

  it('names the topic, protocols and mDNS tag after the room hash', async () => {
    const room = await deriveRoom('x');
    expect(room.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(room.controlTopic).toBe(`firefly/${room.hash}/control/1`);
    expect(roomProtocol(room, 'clock')).toBe(`/firefly/${room.hash}/clock/1.0.0`);
    expect(room.mdnsServiceTag).toBe(`_ff-${room.hash}._udp.local`);
  });

  it('refuses a key of the wrong length', () => {
    expect(() => encodeSwarmKeyV1(new Uint8Array(16))).toThrow(RangeError);
  });
});
