/** The few log levels the network layer writes; the composition root decides where they go. */
export interface NetLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** A logger that drops everything (tests, quiet runs). */
export const silentLogger: NetLogger = { info: () => {}, warn: () => {} };

/** A logger that writes to stderr with a prefix, leaving stdout to the ready line and the REPL. */
export function stderrLogger(prefix: string): NetLogger {
  return {
    info: (message) => process.stderr.write(`${prefix} ${message}\n`),
    warn: (message) => process.stderr.write(`${prefix} warning: ${message}\n`),
  };
}
