/** The renderer's one way to its host peer: `window.firefly` under Electron, a WebSocket otherwise. */
import { createFireflyApi, type FireflyApi } from '../../shared/bridge/api';
import { WebSocketTransport } from './ws-client';

declare global {
  interface Window {
    firefly?: FireflyApi;
  }
}

let api: FireflyApi | null = null;

/** The bridge to the host peer; the same object whichever transport carries it. */
export function bridge(): FireflyApi {
  if (api) return api;
  if (window.firefly) return (api = window.firefly);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return (api = createFireflyApi(new WebSocketTransport(`${scheme}//${location.host}/bridge`), 'websocket'));
}

/**
 * The URL of a track's bytes, a cover or a live source's frames (#22, see docs/live.md): served by the
 * headless peer over HTTP, or by the desktop app's media protocol.
 */
export function mediaUrl(kind: 'track' | 'cover' | 'live' | 'live-cover', id: string): string {
  return bridge().transport === 'ipc' ? `firefly-media://${kind}/${id}` : `/media/${kind}/${id}`;
}

/**
 * Whether the host peer runs on this machine: the desktop app's main process, or a headless peer whose
 * page was loaded from a loopback address.
 */
export function hostIsLocal(): boolean {
  if (bridge().transport === 'ipc') return true;
  const host = location.hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
