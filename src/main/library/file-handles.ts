/**
 * A few open read handles to the user's own files, kept between chunk reads. Serving a track to a
 * peer reads its file chunk by chunk; opening and closing the file around each 64 KiB read cost
 * more than the read itself. Handles close after `idleMs` without use, when more than `maxOpen`
 * files are in use (least recently used first), and on `close()`.
 */
import { open, type FileHandle } from 'node:fs/promises';

interface Held {
  handle: Promise<FileHandle>;
  /** Reads running on the handle; it is closed only when none are. */
  users: number;
  lastUsedMs: number;
  /** Set when the handle should close as soon as its last user is done. */
  retired: boolean;
}

/** Options of FileHandleCache. */
export interface FileHandleCacheInit {
  /** Files kept open at once (default 16). */
  maxOpen?: number;
  /** A handle unused for this long is closed (default 5 s). */
  idleMs?: number;
}

export class FileHandleCache {
  private readonly held = new Map<string, Held>();
  private readonly maxOpen: number;
  private readonly idleMs: number;
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(init: FileHandleCacheInit = {}) {
    this.maxOpen = Math.max(1, init.maxOpen ?? 16);
    this.idleMs = init.idleMs ?? 5_000;
  }

  /**
   * Reads `length` bytes at `offset` of the file at `path`; null when the file cannot be opened or
   * is shorter than that (the caller treats both as "not here any more").
   */
  async read(path: string, offset: number, length: number): Promise<Uint8Array | null> {
    if (this.closed) throw new Error('FileHandleCache is closed');
    const held = this.acquire(path);
    try {
      const handle = await held.handle;
      const bytes = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(bytes, got, length - got, offset + got);
        if (bytesRead === 0) return null;
        got += bytesRead;
      }
      return bytes;
    } catch {
      // A handle that failed once (file gone, unreadable) is not reused.
      this.retire(path, held);
      return null;
    } finally {
      this.release(held);
    }
  }

  /** Closes the handle of `path`, if open (its file changed or went away). */
  forget(path: string): void {
    const held = this.held.get(path);
    if (held) this.retire(path, held);
  }

  /** Number of files held open (or opening). */
  get size(): number {
    return this.held.size;
  }

  /** Closes every handle; later reads throw. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    const all = [...this.held.values()];
    this.held.clear();
    await Promise.all(all.map((held) => held.handle.then((h) => h.close()).catch(() => undefined)));
  }

  private acquire(path: string): Held {
    let held = this.held.get(path);
    if (held) {
      // Most recently used last, so the first entries are the eviction candidates.
      this.held.delete(path);
    } else {
      held = { handle: open(path, 'r'), users: 0, lastUsedMs: 0, retired: false };
      held.handle.catch(() => undefined);
    }
    this.held.set(path, held);
    held.users++;
    held.lastUsedMs = performance.now();
    for (const [otherPath, other] of this.held) {
      if (this.held.size <= this.maxOpen) break;
      if (other !== held) this.retire(otherPath, other);
    }
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(250, this.idleMs / 2));
    this.sweeper.unref?.();
    return held;
  }

  private release(held: Held): void {
    held.users--;
    held.lastUsedMs = performance.now();
    if (held.retired && held.users === 0) void held.handle.then((h) => h.close()).catch(() => undefined);
  }

  private retire(path: string, held: Held): void {
    if (this.held.get(path) === held) this.held.delete(path);
    if (held.retired) return;
    held.retired = true;
    if (held.users === 0) void held.handle.then((h) => h.close()).catch(() => undefined);
  }

  private sweep(): void {
    const now = performance.now();
    for (const [path, held] of this.held) {
      if (held.users === 0 && now - held.lastUsedMs >= this.idleMs) this.retire(path, held);
    }
    if (this.held.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}
