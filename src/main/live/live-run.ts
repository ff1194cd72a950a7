/**
 * One run of a source that can end and be started again: a program the peer starts (`command://`)
 * or an internet radio stream (`http(s)://`, radio.ts). LiveSource reads the run's PCM and, when it
 * ends, starts another after a backoff.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** A run: its PCM, why it ended, and how to end it. */
export interface LiveRun {
  output: Readable;
  /** Resolves once, with why the run ended (for the user). */
  ended: Promise<string>;
  stop(): void;
}

/** Keeps the last `maxBytes` of a stream's text (a program's stderr) for error messages. */
export function textTail(stream: Readable, maxBytes: number): () => string {
  let tail = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    tail = (tail + text).slice(-maxBytes);
  });
  return () => tail.trim().split('\n').slice(-3).join(' | ');
}

/** Ends a child process: SIGTERM, and SIGKILL 2 s later if it ignores that. */
export function endChild(child: ReturnType<typeof spawn>): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 2000);
  force.unref();
  child.once('exit', () => clearTimeout(force));
}

/** A run's end: `ended` resolves with the first `finish`'s reason; `finish` says whether it was first. */
export function runEnd(): { ended: Promise<string>; finish(why: string): boolean } {
  let resolveEnded!: (why: string) => void;
  const ended = new Promise<string>((resolve) => (resolveEnded = resolve));
  let done = false;
  return {
    ended,
    finish: (why) => {
      if (done) return false;
      done = true;
      resolveEnded(why);
      return true;
    },
  };
}

/** Starts `program` with `args`; its stdout is the PCM. */
export function startProgram(program: string, args: string[], stderrTailBytes: number): LiveRun {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = textTail(child.stderr, stderrTailBytes);
  const end = runEnd();
  const finish = (why: string) => {
    const text = tail();
    end.finish(`${why}${text ? `: ${text}` : ''}`);
  };
  child.on('error', (error: NodeJS.ErrnoException) =>
    finish(
      error.code === 'ENOENT'
        ? `cannot start ${program}: no such program`
        : `cannot start ${program}: ${error.message}`,
    ),
  );
  child.on('exit', (code, signal) =>
    finish(`${program} exited ${signal ? `on ${signal}` : `with code ${code ?? '?'}`}`),
  );
  return { output: child.stdout, ended: end.ended, stop: () => endChild(child) };
}
