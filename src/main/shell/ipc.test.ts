/**
 * The IPC bridge tells a handler when the window a request came from goes: each window's requests
 * carry one `connection` signal, aborted when its webContents is destroyed or its renderer dies.
 */
import { EventEmitter } from 'node:events';
import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { BridgeHandlers, Caller } from '../../shared/bridge/dispatch';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import { registerIpcBridge } from './ipc';

type Listener = (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>;

function aBridge() {
  const listeners = new Map<string, Listener>();
  const callers: Caller[] = [];
  const handlers = {
    'live:capture-start': (_request: unknown, caller: Caller) => {
      callers.push(caller);
      return { sourceId: 'mic-0123456789ab' };
    },
  } as unknown as BridgeHandlers;
  registerIpcBridge({
    ipcMain: {
      handle: (channel, l) => void listeners.set(channel, l as Listener),
      removeHandler: () => undefined,
    },
    handlers,
    events: new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test')),
    isTrustedUrl: () => true,
    targets: () => [],
  });
  const start = (sender: EventEmitter) =>
    listeners.get('live:capture-start')!(
      { senderFrame: { url: 'file:///app/index.html' }, sender } as unknown as IpcMainInvokeEvent,
      { name: 'Mic' },
    );
  return { start, callers };
}

describe('IPC bridge callers', () => {
  it("gives each window's requests one connection signal, aborted when the window goes", async () => {
    const { start, callers } = aBridge();
    const first = new EventEmitter();
    const second = new EventEmitter();
    await start(first);
    await start(first);
    await start(second);
    expect(callers[0]).toMatchObject({ kind: 'local' });
    expect(callers[0]?.connection).toBe(callers[1]?.connection);
    expect(callers[0]?.connection?.aborted).toBe(false);
    first.emit('destroyed');
    expect(callers[0]?.connection?.aborted).toBe(true);
    expect(callers[2]?.connection?.aborted).toBe(false);
    second.emit('render-process-gone', {}, { reason: 'crashed' });
    expect(callers[2]?.connection?.aborted).toBe(true);
  });
});
