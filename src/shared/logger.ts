/**
 * One logger for every component, scoped as libp2p's are (`logger.forComponent('firefly:playback')`):
 * a component writes its lines bare and the scope names it once ("playback: …", never "playback: playback: …").
 */

/** A component's logger: call it with a line; `warn` for what went wrong. */
export interface Logger {
  (line: string): void;
  warn(line: string): void;
}

/** Hands out scoped loggers; services take one in their components, as libp2p's do. */
export interface ComponentLogger {
  forComponent(name: string): Logger;
}

/** Where the lines of every component go (the peer's log, stderr, a test's array). */
export type LogSink = (line: string) => void;

/** The name a line is written under: `firefly:playback` → `playback`. */
export function scopeOf(name: string): string {
  return name.replace(/^firefly:/, '');
}

/** A logger for one component that writes `scope: line` (warnings `scope: warning: line`) to a sink. */
export function logger(name: string, sink: LogSink = () => {}): Logger {
  const scope = scopeOf(name);
  const log = ((line: string) => sink(`${scope}: ${line}`)) as Logger;
  log.warn = (line) => sink(`${scope}: warning: ${line}`);
  return log;
}

/** Loggers for every component, all writing to one sink. */
export function componentLogger(sink: LogSink): ComponentLogger {
  return { forComponent: (name) => logger(name, sink) };
}

/** Writes nothing (tests, quiet runs). */
export const silentLogger: ComponentLogger = componentLogger(() => {});
