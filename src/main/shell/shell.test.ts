/** The Electron shell's wiring, with the `electron` module replaced by recording stand-ins (its binary can't run here). */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent, MenuItemConstructorOptions } from 'electron';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import { desktopPaths, mainWindowOptions, runDesktop } from './desktop';
import { registerIpcBridge, trustedUrlCheck } from './ipc';
import { trayMenuTemplate, trayStateFor, trayTooltip } from './tray';

type Listener = (...args: unknown[]) => unknown;
type DisplayMediaHandler = (
  request: { frame: { url: string } | null; audioRequested: boolean },
  callback: (streams: object) => void,
) => void;

/** A stand-in for the parts of Electron the shell uses, recording what the shell did. */
function fakeElectron(opts: { lock?: boolean; userData: string }) {
  const handlers = new Map<string, Listener>();
  const appListeners = new Map<string, Listener[]>();
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  const sent: Array<[string, unknown]> = [];
  const notifications: string[] = [];
  const protocols = new Map<string, (request: { url: string; headers: Headers }) => Promise<Response>>();
  const displayMedia: DisplayMediaHandler[] = [];

  class FakeWebContents {
    send = (channel: string, payload: unknown) => sent.push([channel, payload]);
    isDestroyed = () => false;
    setWindowOpenHandler = vi.fn();
    on = vi.fn();
  }
  class FakeWindow {
    webContents = new FakeWebContents();
    visible = false;
    listeners = new Map<string, Listener>();
    loaded: string | null = null;
    constructor(readonly options: Electron.BrowserWindowConstructorOptions) {
      windows.push(this);
    }
    once = (event: string, cb: Listener) => this.listeners.set(event, cb);
    on = (event: string, cb: Listener) => this.listeners.set(event, cb);
    show = () => (this.visible = true);
    hide = () => (this.visible = false);
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = () => false;
    isDestroyed = () => false;
    loadFile = async (file: string) => void (this.loaded = file);
    loadURL = async (url: string) => void (this.loaded = url);
  }
  class FakeTray {
    tooltip = '';
    menu: MenuItemConstructorOptions[] = [];
    destroyed = false;
    constructor() {
      trays.push(this);
    }
    setToolTip = (t: string) => (this.tooltip = t);
    setContextMenu = (m: MenuItemConstructorOptions[]) => (this.menu = m);
    on = vi.fn();
    destroy = () => (this.destroyed = true);
  }
  const app = {
    requestSingleInstanceLock: () => opts.lock ?? true,
    quit: vi.fn(),
    whenReady: async () => undefined,
    getPath: () => opts.userData,
    on: (event: string, cb: Listener) => appListeners.set(event, [...(appListeners.get(event) ?? []), cb]),
  };
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (t: MenuItemConstructorOptions[]) => t },
    ipcMain: {
      handle: (c: string, h: Listener) => handlers.set(c, h),
      removeHandler: (c: string) => handlers.delete(c),
    },
    nativeImage: { createFromPath: () => ({}) },
    Notification: Object.assign(
      class {
        constructor(readonly options: { title: string }) {}
        show() {
          notifications.push(this.options.title);
        }
      },
      { isSupported: () => true },
    ),
    session: {
      defaultSession: { setDisplayMediaRequestHandler: (h: DisplayMediaHandler) => displayMedia.push(h) },
    },
    desktopCapturer: { getSources: async () => [{ id: 'screen:0', name: 'Screen' }] },
    protocol: {
      registerSchemesAsPrivileged: vi.fn(),
      handle: (scheme: string, handler: (request: { url: string }) => Promise<Response>) =>
        protocols.set(scheme, handler),
    },
  };
  return {
    electron: electron as unknown as Parameters<typeof runDesktop>[0],
    handlers,
    appListeners,
    windows,
    trays,
    sent,
    app,
    protocols,
    notifications,
    displayMedia,
  };
}

const paths = desktopPaths('/opt/firefly/out/main');
const rendererUrl = new URL(`file://${paths.rendererHtml}`).href;
const invoke = (handlers: Map<string, Listener>, channel: string, payload: unknown, url = rendererUrl) =>
  (handlers.get(channel) as Listener)(
    { senderFrame: { url } } as unknown as IpcMainInvokeEvent,
    payload,
  ) as Promise<unknown>;

describe('desktop shell', () => {
  const stops: Array<() => unknown> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('quits at once when another instance holds the lock', async () => {
    const fake = fakeElectron({ lock: false, userData: '/nonexistent' });
    expect(await runDesktop(fake.electron, paths)).toBe(false);
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.windows).toHaveLength(0);
  });

  it('opens an isolated, sandboxed window with the preload, a tray, and the IPC bridge on a running peer', async () => {
    const userData = mkdtempSync(path.join(os.tmpdir(), 'firefly-shell-'));
    const fake = fakeElectron({ userData });
    expect(await runDesktop(fake.electron, paths)).toBe(true);
    stops.push(() =>
      Promise.all((fake.appListeners.get('before-quit') ?? []).map((cb) => cb({ preventDefault() {} }))),
    );

    const win = fake.windows[0];
    expect(win?.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      preload: paths.preload,
    });
    expect(win?.loaded).toBe(paths.rendererHtml);
    expect(win?.visible).toBe(true);
    // System audio for a capture: the shell answers the window's getDisplayMedia (system-audio.ts).
    expect(fake.displayMedia).toHaveLength(1);

    // The real Peer runs behind the IPC handlers.
    const identity = (await invoke(fake.handlers, 'peer:identity', null)) as { peerId: string };
    expect(identity.peerId).toMatch(/^12D3KooW/);
    // Payloads are validated, and foreign senders refused.
    await expect(invoke(fake.handlers, 'playback:seek', { positionSec: 'x' })).rejects.toThrow(/positionSec/);
    await expect(invoke(fake.handlers, 'peer:status', null, 'https://evil.example/')).rejects.toThrow(
      /untrusted sender/,
    );
    const settings = (await invoke(fake.handlers, 'settings:set', { volume: 0.5 })) as { volume: number };
    expect(settings.volume).toBe(0.5);
    expect(fake.sent.some(([channel]) => channel === 'settings:changed')).toBe(true);

    // Media comes through the app's own scheme; unknown ids are a 404, never a crash.
    const media = fake.protocols.get('firefly-media');
    expect(media).toBeDefined();
    expect(
      (await media?.({ url: `firefly-media://track/${'ab'.repeat(32)}`, headers: new Headers() }))?.status,
    ).toBe(404);
    expect(
      (await media?.({ url: 'firefly-media://track/..%2F..%2Fetc', headers: new Headers() }))?.status,
    ).toBe(404);

    // Closing the window hides it to the tray; the tray offers Show and Quit.
    const tray = fake.trays[0];
    expect(tray?.menu.map((i) => i.label)).toEqual(expect.arrayContaining(['Show Firefly', 'Quit Firefly']));
    const preventDefault = vi.fn();
    win?.listeners.get('close')?.({ preventDefault });
    expect(preventDefault).toHaveBeenCalled();
    expect(win?.visible).toBe(false);
    tray?.menu.find((i) => i.label === 'Show Firefly')?.click?.({} as never, undefined as never, {} as never);
    expect(win?.visible).toBe(true);
    // With close-to-tray turned off, closing the window quits.
    await invoke(fake.handlers, 'settings:set', { closeToTray: false });
    win?.listeners.get('close')?.({ preventDefault: vi.fn() });
    expect(fake.app.quit).toHaveBeenCalled();
    fake.app.quit.mockClear();
    await invoke(fake.handlers, 'settings:set', { closeToTray: true });
    win?.show();
    // A second launch brings the window forward.
    win?.hide();
    fake.appListeners.get('second-instance')?.[0]?.();
    expect(win?.visible).toBe(true);
    // Quit stops the peer and unregisters the bridge.
    await Promise.all((fake.appListeners.get('before-quit') ?? []).map((cb) => cb({ preventDefault() {} })));
    stops.length = 0;
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(fake.handlers.size).toBe(0);
    expect(tray?.destroyed).toBe(true);
  });
});

describe('ipc bridge', () => {
  it('forwards host events to the windows', () => {
    const events = new TypedEventTarget<BridgeEvents>(silentLogger.forComponent('firefly:test'));
    const handled = new Map<string, Listener>();
    const sent: unknown[] = [];
    const off = registerIpcBridge({
      ipcMain: {
        handle: (c: string, h: Listener) => void handled.set(c, h),
        removeHandler: (c: string) => void handled.delete(c),
      } as never,
      handlers: {} as BridgeHandlers,
      events,
      isTrustedUrl: () => true,
      targets: () => [
        { isDestroyed: () => false, send: (c: string, p: unknown) => sent.push([c, p]) } as never,
      ],
    });
    events.emit('library:changed', { trackCount: 3 });
    expect(sent).toEqual([['library:changed', { trackCount: 3 }]]);
    off();
    events.emit('library:changed', { trackCount: 4 });
    expect(sent).toHaveLength(1);
    expect(handled.size).toBe(0);
  });

  it('trusts only the bundled renderer or the dev server', () => {
    const check = trustedUrlCheck('/app/out/renderer/index.html', 'http://localhost:5173');
    expect(check('file:///app/out/renderer/index.html')).toBe(true);
    expect(check('file:///app/out/renderer/index.html#/settings')).toBe(true);
    expect(check('http://localhost:5173/')).toBe(true);
    expect(check('file:///etc/passwd')).toBe(false);
    expect(check('https://example.com/')).toBe(false);
  });
});

describe('tray', () => {
  const actions = {
    showWindow: vi.fn(),
    togglePlay: vi.fn(),
    next: vi.fn(),
    prev: vi.fn(),
    setShuffle: vi.fn(),
    setRepeat: vi.fn(),
    quit: vi.fn(),
  };
  it('reflects the playback state', () => {
    const idle = trayMenuTemplate({ nowPlaying: null, playing: false, windowVisible: true }, actions);
    expect(idle[0]?.label).toBe('Nothing playing');
    expect(idle.find((i) => i.label === 'Next')?.enabled).toBe(false);
    const playing = trayMenuTemplate(
      { nowPlaying: 'Song — Band', playing: true, windowVisible: true },
      actions,
    );
    expect(playing.find((i) => i.label === 'Pause')).toBeDefined();
    playing.find((i) => i.label === 'Pause')?.click?.({} as never, undefined as never, {} as never);
    expect(actions.togglePlay).toHaveBeenCalled();
    const pairing = trayMenuTemplate(
      { nowPlaying: null, playing: false, windowVisible: true, pairingCode: '042137' },
      actions,
    );
    expect(pairing[1]).toMatchObject({ label: 'Pairing code 042137', enabled: false });
    expect(trayTooltip({ nowPlaying: 'Song — Band', playing: true, windowVisible: false })).toBe(
      'Firefly — playing: Song — Band',
    );
  });

  it('shows the current track and whether it plays', () => {
    const tracks = [{ trackId: 'a', title: 'Song', artist: 'Band' }];
    expect(trayStateFor({ queue: ['a'], currentIndex: 0, paused: false }, tracks, true)).toEqual({
      nowPlaying: 'Song — Band',
      playing: true,
      windowVisible: true,
      shuffle: false,
      repeat: 'off',
    });
    expect(
      trayStateFor(
        { queue: ['a'], currentIndex: 0, paused: false, unshuffled: [0], repeat: 'one' },
        tracks,
        true,
      ),
    ).toMatchObject({ shuffle: true, repeat: 'one' });
    expect(trayStateFor({ queue: ['a'], currentIndex: 0, paused: true }, tracks, false).playing).toBe(false);
    expect(trayStateFor({ queue: ['b'], currentIndex: 0, paused: false }, tracks, true).nowPlaying).toBe(
      'Loading…',
    );
    expect(trayStateFor({ queue: [], currentIndex: null, paused: false }, tracks, true)).toEqual({
      nowPlaying: null,
      playing: false,
      windowVisible: true,
      shuffle: false,
      repeat: 'off',
    });
  });

  it('offers shuffle as a check item and repeat as a choice of off, all and one', () => {
    const menu = trayMenuTemplate(
      { nowPlaying: 'Song — Band', playing: true, windowVisible: true, shuffle: false, repeat: 'all' },
      actions,
    );
    const shuffle = menu.find((i) => i.label === 'Shuffle');
    expect(shuffle).toMatchObject({ type: 'checkbox', checked: false });
    shuffle?.click?.({} as never, undefined as never, {} as never);
    expect(actions.setShuffle).toHaveBeenLastCalledWith(true);
    const repeat = menu.find((i) => i.label === 'Repeat')?.submenu as Electron.MenuItemConstructorOptions[];
    expect(repeat.map((i) => [i.label, i.type, i.checked])).toEqual([
      ['Off', 'radio', false],
      ['All', 'radio', true],
      ['One', 'radio', false],
    ]);
    repeat[2]?.click?.({} as never, undefined as never, {} as never);
    expect(actions.setRepeat).toHaveBeenLastCalledWith('one');
    const shuffled = trayMenuTemplate(
      { nowPlaying: null, playing: false, windowVisible: true, shuffle: true },
      actions,
    );
    shuffled.find((i) => i.label === 'Shuffle')?.click?.({} as never, undefined as never, {} as never);
    expect(actions.setShuffle).toHaveBeenLastCalledWith(false);
    // Without a repeat mode known yet, Off is the one chosen.
    const none = shuffled.find((i) => i.label === 'Repeat')?.submenu as Electron.MenuItemConstructorOptions[];
    expect(none.map((i) => i.checked)).toEqual([true, false, false]);
  });

  it('window options never enable Node in the page', () => {
    expect(mainWindowOptions('/p.cjs').webPreferences).toMatchObject({
      nodeIntegration: false,
      contextIsolation: true,
      sandbox: true,
    });
  });
});
