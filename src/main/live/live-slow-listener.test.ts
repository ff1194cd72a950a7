/**
 * A listener too slow for a source (#22) is cut off and counted in the source's own listing
 * (`slowListeners` in `GET /api/sources`, `debug`) and in `dropped`, between two real libp2p nodes on
 * loopback: a member that opens the source's stream and stops reading falls more than the queue (3 s
 * of frames) behind once its connection's buffers are full; the source peer's own window, reading,
 * gets every frame and keeps listening.
 */
import { lpStream } from '@libp2p/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOpenFrame, encodePcmFrame } from '../../shared/live/frames';
import type { PeerNode } from '../net/node';
import { deriveRoom } from '../net/room';
import { TestNet, portOf, waitFor } from '../net/testing/helpers';
import { LiveService } from './live-service';

const net = new TestNet();
let source: PeerNode;
let member: PeerNode;
beforeAll(async () => {
  const room = await deriveRoom('live-slow-test');
  source = await net.node({ room });
  member = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(source)}`] });
  await waitFor(() => member.connectedPeers().includes(source.peerId), 'the member connected');
});
afterAll(() => net.cleanup());

describe('a slow listener', () => {
  it('is cut off and counted in its source’s listing, while a reading window gets every frame', async () => {
    const live = new LiveService({
      node: source,
      groupNow: () => performance.timeOrigin + performance.now(),
      selfName: () => 'source',
      publish: () => undefined,
      subscribe: () => undefined,
      memberName: () => 'member',
    });
    await live.start();
    const { sourceId } = live.capture.start('Mic', 'pcm');

    const window = new AbortController();
    let windowFrames = 0;
    const reading = (async () => {
      for await (const _frame of live.open(sourceId, window.signal)!) windowFrames++;
    })();
    // The member asks for the source, then stops reading: its stream pauses, so it sends no more window
    // updates and the source peer's writes wait once the window is used up.
    const stream = await member.libp2p.dialProtocol(source.libp2p.peerId, live.server.protocol);
    await lpStream(stream).write(encodeOpenFrame(sourceId));
    stream.pause();
    await waitFor(() => live.server.stats().listeners === 1, 'the member listens');
    expect(live.list().find((s) => s.sourceId === sourceId)?.slowListeners).toBe(0);

    // 200 ms frames of PCM (38 kB each), pushed faster than real time: the member's buffers fill.
    const pcm = new Int16Array(9600 * 2).fill(1000);
    let pushed = 0;
    const slow = () => live.list().find((s) => s.sourceId === sourceId)?.slowListeners ?? 0;
    while (slow() === 0 && pushed < 1000) {
      const frames = Array.from({ length: 16 }, (_, i) =>
        encodePcmFrame(1000 + (pushed + i) * 200, 48_000, pcm),
      );
      expect(live.capture.push(sourceId, frames).accepted).toBe(16);
      pushed += 16;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    console.log(`the member was cut off after ${pushed} frames (${Math.round((pushed * 38_417) / 1e6)} MB)`);
    expect(slow()).toBe(1);
    expect(live.stats().dropped.slowListeners).toBe(1);
    await waitFor(() => live.server.stats().listeners === 0, 'the member’s stream ended');
    // The window kept up: every frame, and it still listens.
    await waitFor(() => windowFrames === pushed, 'the window got every frame');
    expect(live.list().find((s) => s.sourceId === sourceId)?.listeners).toBe(1);

    window.abort();
    await reading;
    stream.abort(new Error('test over'));
    await live.stop();
  });
});
