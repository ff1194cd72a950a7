/**
 * A capture ends as soon as the window that started it goes (#22): over a real WebSocket bridge on
 * loopback, a window starts a capture, then its connection closes without `live:capture-stop`; the
 * source ends at once with the reason (not after the 15 s of silence that catch a window that hangs).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import { decodeLiveFrame, type LiveFrame } from '../../shared/live/frames';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import { serveBridge } from '../bridge/testing/serve-bridge';
import { WsBridge } from '../bridge/ws-server';
import { CaptureError, CaptureSources } from './capture-sources';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function aPeer(sources: CaptureSources) {
  const handlers = {
    'live:capture-start': ({ name, codec }, caller) =>
      sources.start(name, codec ?? 'opus', caller.connection),
  } as Partial<BridgeHandlers> as BridgeHandlers;
  const bridge = new WsBridge(
    { handlers, events: new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test')) },
    { pingIntervalMs: 60_000 },
  );
  const { port, stop } = await serveBridge(bridge);
  cleanup.push(stop);
  return port;
}

describe('a capture whose window goes', () => {
  it('ends as soon as the window’s connection closes, saying so to its listeners', async () => {
    const sources = new CaptureSources(
      { peerId: 'QmPeer', changed: () => undefined, otherSources: () => 0 },
      { abandonMs: 15_000 },
    );
    const port = await aPeer(sources);
    const window = new WebSocket(`ws://127.0.0.1:${port}/`, ['firefly']);
    cleanup.push(() => window.terminate());
    await once(window, 'open');
    window.send(
      JSON.stringify({ id: 1, channel: 'live:capture-start', payload: { name: 'Mic', codec: 'flac' } }),
    );
    const [reply] = (await once(window, 'message')) as [Buffer];
    const { ok, value } = JSON.parse(reply.toString()) as { ok: boolean; value: { sourceId: string } };
    expect(ok).toBe(true);
    expect(sources.size).toBe(1);

    const heard: LiveFrame[] = [];
    const listening = (async () => {
      for await (const bytes of sources.feed(value.sourceId)!.listen(new AbortController().signal)) {
        const frame = decodeLiveFrame(bytes);
        if (frame.ok) heard.push(frame.value);
      }
    })();
    const closedAt = performance.now();
    window.close();
    await listening;
    // Ended when the close reached the peer: milliseconds on loopback, far from the 15 s fallback.
    expect(performance.now() - closedAt).toBeLessThan(2000);
    expect(heard).toEqual([{ type: 'end', reason: 'the window capturing it closed' }]);
    expect(sources.size).toBe(0);
  });

  it('refuses a capture asked for by a window that is already gone', () => {
    const sources = new CaptureSources({ peerId: 'QmPeer', changed: () => undefined, otherSources: () => 0 });
    const gone = new AbortController();
    gone.abort();
    expect(() => sources.start('Mic', 'opus', gone.signal)).toThrow(CaptureError);
    expect(sources.size).toBe(0);
  });
});
