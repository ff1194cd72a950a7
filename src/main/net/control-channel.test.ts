import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlChannel, decoderFromResult } from './control-channel';
import type { ControlMessage, DecodeResult } from './control-channel';
import { silentLogger } from '../../shared/logger';
import type { PeerNode } from './node';
import { deriveRoom } from './room';
import type { Room } from './room';
import { TestNet, portOf, waitFor } from './testing/helpers';

interface Note {
  text: string;
}

/** A small strict JSON codec standing in for the real protocol codec. */
const encodeNote = (note: Note): Uint8Array => new TextEncoder().encode(JSON.stringify(note));
function decodeNote(bytes: Uint8Array): DecodeResult<Note> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { ok: false, reason: 'not-json' };
  }
  const text = (parsed as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') return { ok: false, reason: 'bad-shape' };
  if (text === 'stale') return { ok: false, reason: 'stale', ignored: true };
  if (text === 'explode') throw new Error('codec bug');
  return { ok: true, value: { text } };
}

let room: Room;
const net = new TestNet();
beforeAll(async () => {
  room = await deriveRoom('control-channel-test');
});
afterEach(() => net.cleanup());

function channelOf(node: PeerNode): { channel: ControlChannel<Note>; received: Array<ControlMessage<Note>> } {
  const channel = new ControlChannel<Note>(
    { pubsub: node.pubsub, logger: silentLogger },
    { topic: room.controlTopic, decode: decodeNote, encode: encodeNote },
  );
  const received: Array<ControlMessage<Note>> = [];
  channel.on('message:received', (message) => received.push(message));
  channel.start();
  return { channel, received };
}

async function threeNodeRoom(): Promise<PeerNode[]> {
  const a = await net.node({ room });
  const b = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(a)}`] });
  const c = await net.node({ room, bootstrap: [a.listenAddrs()[0] ?? ''] });
  return [a, b, c];
}

const subscribed = (from: PeerNode, ...others: PeerNode[]): boolean => {
  const subscribers = from.pubsub.getSubscribers(room.controlTopic).map(String);
  return others.every((other) => subscribers.includes(other.peerId));
};

describe('decoderFromResult', () => {
  it('maps a Result codec onto the channel decoder', () => {
    const decode = decoderFromResult((bytes) =>
      bytes.length > 0 ? { ok: true, value: bytes.length } : { ok: false, error: 'empty' },
    );
    expect(decode(new Uint8Array(3), 'p')).toEqual({ ok: true, value: 3 });
    expect(decode(new Uint8Array(0), 'p')).toEqual({ ok: false, reason: 'empty' });
  });
});

describe('ControlChannel', () => {
  it('delivers a message published by one peer to the other two, with the verified sender', async () => {
    const [a, b, c] = (await threeNodeRoom()) as [PeerNode, PeerNode, PeerNode];
    const [ca, cb, cc] = [channelOf(a), channelOf(b), channelOf(c)];
    await waitFor(() => subscribed(c, a, b), 'c sees a and b subscribed');

    const result = await cc.channel.publish({ text: 'play track 3' });
    expect(result.recipients).toBeGreaterThanOrEqual(1);
    await waitFor(() => ca.received.length === 1 && cb.received.length === 1, 'a and b receive the message');
    for (const { received } of [ca, cb]) {
      expect(received[0]).toMatchObject({ value: { text: 'play track 3' }, from: c.peerId });
    }
    expect(cc.received).toEqual([]);
    expect(cc.channel.counts()).toMatchObject({ published: 1, publishedToNoPeers: 0 });
    expect(ca.channel.counts().delivered).toBe(1);
  });

  it('drops invalid input, counts it by reason, and never hands it to listeners', async () => {
    const [a, b, c] = (await threeNodeRoom()) as [PeerNode, PeerNode, PeerNode];
    const [ca, cb] = [channelOf(a), channelOf(b)];
    const cc = channelOf(c);
    await waitFor(() => subscribed(c, a, b), 'c sees a and b subscribed');

    // Bypass c's codec to put raw junk on the topic, as a broken or hostile peer would.
    await c.pubsub.publish(room.controlTopic, new TextEncoder().encode('{not json'));
    await c.pubsub.publish(room.controlTopic, encodeNote({ text: 'stale' }));
    await c.pubsub.publish(room.controlTopic, encodeNote({ text: 'explode' }));
    await c.pubsub.publish(room.controlTopic, new TextEncoder().encode('{"text":42}'));
    await cc.channel.publish({ text: 'valid' });

    await waitFor(() => ca.received.length === 1 && cb.received.length === 1, 'the valid message arrives');
    for (const { channel, received } of [ca, cb]) {
      expect(received.map((m) => m.value.text)).toEqual(['valid']);
      expect(channel.counts().dropped).toEqual({
        'not-json': 1,
        stale: 1,
        'decoder-threw': 1,
        'bad-shape': 1,
      });
    }
  });

  it('keeps delivering to other listeners when one throws', async () => {
    const a = await net.node({ room });
    const peer = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(a)}`] });
    const ca = channelOf(a);
    ca.channel.on('message:received', () => {
      throw new Error('listener bug');
    });
    const good: string[] = [];
    ca.channel.on('message:received', (m) => good.push(m.value.text));
    const cp = channelOf(peer);
    await waitFor(() => subscribed(peer, a), 'peer sees a subscribed');
    await cp.channel.publish({ text: 'hello' });
    await waitFor(() => good.length === 1, 'good listener receives');
    expect(ca.received).toHaveLength(1);
    expect(ca.channel.counts().listenerErrors).toBe(1);
  });

  it('publishes quietly when alone in the room, and counts it', async () => {
    const alone = channelOf(await net.node({ room }));
    await expect(alone.channel.publish({ text: 'anyone?' })).resolves.toEqual({ recipients: 0 });
    expect(alone.channel.counts()).toMatchObject({ published: 1, publishedToNoPeers: 1 });
  });

  it('turns the "no peers subscribed" error of a stricter gossipsub into a count', async () => {
    const node = await net.node({ room });
    const strict = {
      ...node.pubsub,
      subscribe: (topic: string) => node.pubsub.subscribe(topic),
      unsubscribe: (topic: string) => node.pubsub.unsubscribe(topic),
      addEventListener: node.pubsub.addEventListener.bind(node.pubsub),
      removeEventListener: node.pubsub.removeEventListener.bind(node.pubsub),
      topicValidators: node.pubsub.topicValidators,
      publish: () => Promise.reject(new Error('PublishError.NoPeersSubscribedToTopic')),
    };
    const channel = new ControlChannel<Note>(
      { pubsub: strict, logger: silentLogger },
      { topic: room.controlTopic, decode: decodeNote, encode: encodeNote },
    );
    channel.start();
    await expect(channel.publish({ text: 'x' })).resolves.toEqual({ recipients: 0 });
    expect(channel.counts().publishedToNoPeers).toBe(1);
    channel.stop();
  });
});
