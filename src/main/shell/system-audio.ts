/**
 * System audio for a capture (#22): the window asks `getDisplayMedia({audio, video})` and the shell
 * answers with the first screen and its audio as a loopback, which Electron supports on Windows only
 * (it says so in its types); elsewhere, and for any page but our own, the request is refused, and
 * the window says the system does not let Firefly capture its sound. The window drops the video.
 */
import type * as Electron from 'electron';

/** The parts of Electron this uses (tests give stand-ins). */
export interface SystemAudioElectron {
  session: Pick<Electron.Session, 'setDisplayMediaRequestHandler'>;
  desktopCapturer: Pick<Electron.DesktopCapturer, 'getSources'>;
}

/** Whether Electron can capture the system's sound as a loopback on `platform`. */
export const systemAudioSupported = (platform: NodeJS.Platform): boolean => platform === 'win32';

/** Answers the windows' display-media requests with a loopback of the system's sound where supported. */
export function allowSystemAudio(
  electron: SystemAudioElectron,
  isTrustedUrl: (url: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): void {
  electron.session.setDisplayMediaRequestHandler((request, callback) => {
    const url = request.frame?.url ?? '';
    if (!systemAudioSupported(platform) || !isTrustedUrl(url) || !request.audioRequested) return callback({});
    electron.desktopCapturer
      .getSources({ types: ['screen'] })
      .then(([screen]) => callback(screen ? { video: screen, audio: 'loopback' } : {}))
      .catch(() => callback({}));
  });
}
