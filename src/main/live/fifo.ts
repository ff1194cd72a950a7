/**
 * A FIFO for a live source's PCM or metadata, opened read-write and non-blocking: opening never waits
 * for a writer, and a writer that closes is no end of file (the next writer's data carries on). A
 * missing FIFO is created with mkfifo(1).
 */
import { spawnSync } from 'node:child_process';
import { constants, openSync, statSync } from 'node:fs';
import net from 'node:net';

/** Opens a FIFO (made if missing) read-write and non-blocking: see the file comment. */
export function openFifo(file: string): net.Socket {
  if (!existsAsFifo(file)) createFifo(file);
  const fd = openSync(file, constants.O_RDWR | constants.O_NONBLOCK);
  return new net.Socket({ fd, readable: true, writable: false });
}

function existsAsFifo(file: string): boolean {
  let info;
  try {
    info = statSync(file);
  } catch {
    return false;
  }
  if (!info.isFIFO()) throw new Error('it exists but is not a FIFO (create one with mkfifo)');
  return true;
}

/** Creates a FIFO with mkfifo(1) (Node has none); once, at start, in well under a millisecond. */
function createFifo(file: string): void {
  const r = spawnSync('mkfifo', ['-m', '600', file], { encoding: 'utf8' });
  const problem = r.error
    ? r.error.message
    : r.status === 0
      ? null
      : r.stderr.trim() || `exit code ${r.status}`;
  if (problem !== null) throw new Error(`it does not exist and mkfifo failed: ${problem}`);
}
