/** The shell's answer to a window's getDisplayMedia, with Electron's session and desktopCapturer replaced. */
import { describe, expect, it } from 'vitest';
import { allowSystemAudio, type SystemAudioElectron } from './system-audio';

const OURS = 'file:///opt/firefly/out/renderer/index.html';

/** Installs the handler on `platform` and returns what it answers to a request from `url`. */
async function answer(platform: NodeJS.Platform, url: string, audioRequested = true): Promise<object> {
  let handler: ((request: unknown, callback: (streams: object) => void) => void) | null = null;
  const electron = {
    session: { setDisplayMediaRequestHandler: (h: typeof handler) => (handler = h) },
    desktopCapturer: { getSources: async () => [{ id: 'screen:0:0', name: 'Entire screen' }] },
  } as unknown as SystemAudioElectron;
  allowSystemAudio(electron, (u) => u === OURS, platform);
  expect(handler).not.toBeNull();
  return new Promise((resolve) => handler!({ frame: { url }, audioRequested }, resolve));
}

describe('system audio capture', () => {
  it('grants our window the first screen with its sound as a loopback on Windows', async () => {
    expect(await answer('win32', OURS)).toEqual({
      video: { id: 'screen:0:0', name: 'Entire screen' },
      audio: 'loopback',
    });
  });

  it('refuses where Electron has no loopback, any other page, and a request without audio', async () => {
    expect(await answer('linux', OURS)).toEqual({});
    expect(await answer('darwin', OURS)).toEqual({});
    expect(await answer('win32', 'https://evil.example/')).toEqual({});
    expect(await answer('win32', OURS, false)).toEqual({});
  });
});
