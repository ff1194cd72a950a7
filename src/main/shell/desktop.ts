/** The Electron shell: single instance, the main window, tray and IPC around the same Peer the headless mode runs. */
import path from 'node:path';
import type * as Electron from 'electron';
import { defaultOptions, type PeerOptions } from '../cli/args';
import { LOCAL_CALLER } from '../../shared/bridge/dispatch';
import { isSourceId, withLengthPrefix } from '../../shared/live/frames';
import { isContentId } from '../../shared/chunking/ids';
import { NOT_HERE_YET, arrivalWaitMs, mediaHead, rangeArrived, readArriving } from '../http/range';
import { Peer } from '../peer';
import { registerIpcBridge, trustedUrlCheck } from './ipc';
import { allowSystemAudio } from './system-audio';
import { trayMenuTemplate, trayStateFor, trayTooltip, type TrayState } from './tray';

type ElectronModule = Pick<
  typeof Electron,
  | 'app'
  | 'BrowserWindow'
  | 'Tray'
  | 'Menu'
  | 'ipcMain'
  | 'nativeImage'
  | 'protocol'
  | 'Notification'
  | 'session'
  | 'desktopCapturer'
>;

/** The scheme the renderer loads track bytes and covers from (the headless peer serves the same over HTTP). */
export const MEDIA_SCHEME = 'firefly-media';

export interface DesktopPaths {
  preload: string;
  rendererHtml: string;
  trayIcon: string;
  devServerUrl?: string;
}

/** Options of the main window: isolated, sandboxed, no Node in the page. */
export function mainWindowOptions(preload: string): Electron.BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 720,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Firefly',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  };
}

/** Runs the desktop app; returns false when another instance already runs (this one then quits). */
export async function runDesktop(
  electron: ElectronModule,
  paths: DesktopPaths,
  argv: string[] = [],
): Promise<boolean> {
  const { app, BrowserWindow, Tray, Menu, ipcMain, nativeImage, protocol, Notification } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  protocol.registerSchemesAsPrivileged([
    {
      scheme: MEDIA_SCHEME,
      // corsEnabled: the page (file://) and its decoder worker fetch from here cross-origin.
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true },
    },
  ]);
  await app.whenReady();

  const options: PeerOptions = { ...defaultOptions(), dataDir: app.getPath('userData'), uiPort: 0 };
  void argv;
  const peer = new Peer(options);
  // The app's window plays even while hidden in the tray.
  peer.setSpeakers(1);
  await peer.start();

  protocol.handle(MEDIA_SCHEME, (request) => mediaResponse(peer, request.url, request.headers.get('range')));

  let window: Electron.BrowserWindow | null = null;
  let quitting = false;
  const trayState: TrayState = { nowPlaying: null, playing: false, windowVisible: false };

  const showWindow = () => {
    if (!window || window.isDestroyed()) window = createWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  const createWindow = () => {
    const win = new BrowserWindow(mainWindowOptions(paths.preload));
    win.once('ready-to-show', () => win.show());
    // Links open nowhere inside the app window; it only ever shows our renderer.
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', (event) => event.preventDefault());
    win.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      // Closing the window keeps Firefly playing in the tray, unless the user turned that off.
      if (peer.settings.get().closeToTray) {
        win.hide();
        trayState.windowVisible = false;
      } else app.quit();
    });
    if (paths.devServerUrl) void win.loadURL(paths.devServerUrl);
    else void win.loadFile(paths.rendererHtml);
    return win;
  };

  const isTrustedUrl = trustedUrlCheck(paths.rendererHtml, paths.devServerUrl);
  allowSystemAudio(
    { session: electron.session.defaultSession, desktopCapturer: electron.desktopCapturer },
    isTrustedUrl,
  );
  const unregister = registerIpcBridge({
    ipcMain,
    handlers: peer.handlers,
    events: peer.events,
    isTrustedUrl,
    targets: () => (window && !window.isDestroyed() ? [window.webContents] : []),
  });

  const tray = new Tray(nativeImage.createFromPath(paths.trayIcon));
  const call = (action: () => Promise<unknown> | unknown) => () =>
    void Promise.resolve()
      .then(action)
      .catch(() => undefined);
  const refreshTray = () => {
    tray.setToolTip(trayTooltip(trayState));
    tray.setContextMenu(
      Menu.buildFromTemplate(
        trayMenuTemplate(trayState, {
          showWindow,
          togglePlay: call(() =>
            trayState.playing
              ? peer.handlers['playback:pause'](undefined, LOCAL_CALLER)
              : peer.handlers['playback:resume'](undefined, LOCAL_CALLER),
          ),
          next: call(() => peer.handlers['playback:next'](undefined, LOCAL_CALLER)),
          prev: call(() => peer.handlers['playback:prev'](undefined, LOCAL_CALLER)),
          setShuffle: (on) => call(() => peer.handlers['playback:shuffle']({ on }, LOCAL_CALLER))(),
          setRepeat: (mode) => call(() => peer.handlers['playback:repeat']({ mode }, LOCAL_CALLER))(),
          quit: () => app.quit(),
        }),
      ),
    );
  };
  tray.on('click', showWindow);
  peer.events.on('playback:changed', (state) => {
    const next = trayStateFor(state, peer.tracks(), trayState.windowVisible);
    if (
      next.playing !== trayState.playing ||
      next.nowPlaying !== trayState.nowPlaying ||
      next.shuffle !== trayState.shuffle ||
      next.repeat !== trayState.repeat
    ) {
      Object.assign(trayState, next);
      refreshTray();
    }
  });
  peer.events.on('pairing:changed', (state) => {
    trayState.pairingCode = state.code;
    refreshTray();
  });
  peer.notices.on('notice', (notice) => {
    if (peer.settings.get().notifications && Notification.isSupported())
      new Notification({ title: notice.title, body: notice.body, silent: true }).show();
  });
  refreshTray();

  app.on('second-instance', showWindow);
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    unregister();
    tray.destroy();
    void peer.stop().finally(() => app.quit());
  });

  showWindow();
  return true;
}

/**
 * What every media answer carries: the app's page is a file:// page, so its fetches here (and its decoder
 * worker's) are cross-origin, and a cross-origin answer hides every header not named here, among them
 * `content-range`, from which the worker's range reader learns the file's size.
 */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-range, content-length, accept-ranges, retry-after',
};

/**
 * Answers a `firefly-media://<kind>/<id>` request from the peer's library, streamed, with byte ranges;
 * `firefly-media://live/<sourceId>` is a live source's frames, as `GET /media/live/<sourceId>` serves them.
 */
export async function mediaResponse(
  peer: Pick<Peer, 'media'> & Partial<Pick<Peer, 'liveMedia'>>,
  url: string,
  rangeHeader?: string | null,
): Promise<Response> {
  const { host: kind, pathname, searchParams } = new URL(url);
  const id = pathname.replace(/^\//, '');
  if (kind === 'live') return liveResponse(peer, id, searchParams.get('codec') === 'pcm' ? 'pcm' : null);
  if (!(kind === 'live-cover' ? isSourceId(id) : isContentId(id)))
    return new Response('not found', { status: 404, headers: CORS_HEADERS });
  const found = await peer.media(kind, id).catch(() => null);
  if (!found) return new Response('not found', { status: 404, headers: CORS_HEADERS });
  const head = mediaHead(found, rangeHeader ?? undefined);
  const headers = { ...head.headers, ...CORS_HEADERS };
  if (!head.range) return new Response(null, { status: head.status, headers });
  const abort = new AbortController();
  if (!(await rangeArrived(found, head.range, !!rangeHeader, abort.signal)))
    return new Response(NOT_HERE_YET.body, {
      status: NOT_HERE_YET.status,
      headers: { ...NOT_HERE_YET.headers, ...CORS_HEADERS },
    });
  const pieces = readArriving(found, head.range, {
    signal: abort.signal,
    waitMs: arrivalWaitMs(!!rangeHeader),
  })[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { status: head.status, headers });
}

function liveResponse(
  peer: Partial<Pick<Peer, 'liveMedia'>>,
  sourceId: string,
  codec: 'pcm' | null,
): Response {
  const abort = new AbortController();
  const frames = isSourceId(sourceId) ? (peer.liveMedia?.(sourceId, abort.signal, codec) ?? null) : null;
  if (!frames) return new Response('no such live source', { status: 404, headers: CORS_HEADERS });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await frames.next();
      if (next.done) controller.close();
      else controller.enqueue(withLengthPrefix(next.value));
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'application/x-firefly-live', ...CORS_HEADERS },
  });
}

/** Where the built files sit relative to the main bundle (out/main). */
export function desktopPaths(mainDir: string, devServerUrl?: string): DesktopPaths {
  return {
    preload: path.join(mainDir, '..', 'preload', 'index.cjs'),
    rendererHtml: path.join(mainDir, '..', 'renderer', 'index.html'),
    trayIcon: path.join(mainDir, '..', '..', 'assets', 'tray.png'),
    ...(devServerUrl ? { devServerUrl } : {}),
  };
}
