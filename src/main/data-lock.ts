/**
 * One running peer per data folder. Two peers on one folder share an identity: each thinks it is the
 * other, the room sees one device flicker, and both write the same index. A lock file holds the
 * owner's pid and process start time (so a pid reused after a crash is not taken for the owner).
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const LOCK_FILE = 'peer.lock';

/** Another running peer uses the data folder; the message tells the user what to do. */
export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError';
}

interface LockOwner {
  pid: number;
  /** Process start time in clock ticks since boot (Linux), or null where it cannot be read. */
  startTicks: number | null;
  host: string;
}

/** A process's start time from /proc (Linux); null elsewhere or when it is gone. */
function startTicksOf(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function isRunning(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true; // a folder shared over the network: trust the lock
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code === 'ESRCH') return false;
  }
  const ticks = startTicksOf(owner.pid);
  return owner.startTicks === null || ticks === null || ticks === owner.startTicks;
}

function parseOwner(text: string): LockOwner | null {
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return null;
  }
}

/** Takes the data folder for this process; throws DataFolderInUseError when another running peer has it. */
export async function lockDataFolder(dataDir: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(dataDir, LOCK_FILE);
  const self: LockOwner = { pid: process.pid, startTicks: startTicksOf('self'), host: os.hostname() };
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, JSON.stringify(self), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const owner = await readFile(file, 'utf8').then(parseOwner, () => null);
    if (owner && typeof owner.pid === 'number' && owner.pid !== process.pid && isRunning(owner))
      throw new DataFolderInUseError(
        `the data folder ${dataDir} is in use by another running Firefly peer (pid ${owner.pid}). ` +
          'To run a second peer on this PC, give it a folder of its own: --data <folder>',
      );
    // Left by a peer that is gone (a crash, a power cut), or damaged: take it over.
    await rm(file, { force: true });
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await rm(file, { force: true });
    },
  };
}
