/** The bridge over Electron IPC: one handler per contract channel, each checking the sender and validating the payload. */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { eventNames, requestChannels, type BridgeEvents } from '../../shared/bridge/contract';
import {
  BridgeError,
  dispatchRequest,
  LOCAL_CALLER,
  type BridgeHandlers,
  type Caller,
} from '../../shared/bridge/dispatch';
import type { TypedEventTarget } from '../../shared/events';

export interface IpcBridgeComponents {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: BridgeHandlers;
  events: TypedEventTarget<BridgeEvents>;
  /** Whether a frame URL belongs to our own renderer (not a navigated-away or injected page). */
  isTrustedUrl(url: string): boolean;
  /** The windows that receive events. */
  targets(): WebContents[];
}

/** Registers every channel; returns a function that unregisters them. */
export function registerIpcBridge(components: IpcBridgeComponents): () => void {
  const { ipcMain, handlers, events, isTrustedUrl } = components;
  const callers = new WeakMap<WebContents, Caller>();
  /** The app's own window is the device itself; its caller's `connection` ends with the window. */
  const callerOf = (sender: WebContents | undefined): Caller => {
    if (!sender) return LOCAL_CALLER;
    let caller = callers.get(sender);
    if (!caller) {
      const connection = new AbortController();
      const gone = () => connection.abort();
      sender.once('destroyed', gone);
      sender.once('render-process-gone', gone);
      caller = { ...LOCAL_CALLER, connection: connection.signal };
      callers.set(sender, caller);
    }
    return caller;
  };
  for (const channel of requestChannels) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedUrl(url))
        throw new BridgeError(`${channel}: refused for untrusted sender ${url || '(unknown)'}`);
      return dispatchRequest(handlers, channel, payload ?? undefined, callerOf(event.sender));
    });
  }
  const offs = eventNames.map((name) =>
    events.on(name, (payload: BridgeEvents[typeof name]) => {
      for (const target of components.targets()) if (!target.isDestroyed()) target.send(name, payload);
    }),
  );
  return () => {
    for (const channel of requestChannels) ipcMain.removeHandler(channel);
    for (const off of offs) off();
  };
}

/** Trusts only the bundled renderer (file:// under its folder) or the dev server given by electron-vite. */
export function trustedUrlCheck(
  rendererFile: string,
  devServerUrl: string | undefined,
): (url: string) => boolean {
  const fileUrl = new URL(`file://${rendererFile}`).href;
  return (url) =>
    url === fileUrl || url.startsWith(`${fileUrl}#`) || (!!devServerUrl && url.startsWith(devServerUrl));
}
