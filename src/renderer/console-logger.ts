/** The renderer's scoped loggers: lines go to the page's console (devtools, Playwright's page log). */
import { componentLogger, type ComponentLogger } from '../shared/logger';

/** Loggers for the renderer's components, writing to `console.error`. */
export const consoleLogger: ComponentLogger = componentLogger((line) => console.error(line));
