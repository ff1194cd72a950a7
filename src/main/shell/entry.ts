/** Entry of the desktop app's main process. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as electron from 'electron';
import { desktopPaths, runDesktop } from './desktop';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
runDesktop(electron, desktopPaths(mainDir, process.env.ELECTRON_RENDERER_URL), process.argv.slice(2)).catch(
  (error: unknown) => {
    console.error('Firefly failed to start:', error);
    electron.app.exit(1);
  },
);
