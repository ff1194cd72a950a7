/** The sandboxed preload: exposes the bridge contract as `window.firefly`, never raw ipcRenderer. */
import { contextBridge, ipcRenderer } from 'electron';
import { isEventName } from '../../shared/bridge/contract';
import { createFireflyApi, type BridgeTransport } from '../../shared/bridge/api';

const transport: BridgeTransport = {
  invoke: (channel, request) => ipcRenderer.invoke(channel, request ?? null),
  on: (event, listener) => {
    if (!isEventName(event)) throw new Error(`unknown event ${String(event)}`);
    const wrapped = (_event: unknown, payload: unknown) => (listener as (p: unknown) => void)(payload);
    ipcRenderer.on(event, wrapped);
    return () => void ipcRenderer.removeListener(event, wrapped);
  },
};

contextBridge.exposeInMainWorld('firefly', createFireflyApi(transport, 'ipc'));
