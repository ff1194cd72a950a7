/**
 * Finding the library's audio files: walks every folder once (following no directory twice) and
 * stats each audio file. A folder that cannot be read is reported, never fatal, and the files the
 * index knows under it are kept.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { SkippedFile } from '../../shared/library/types';
import { AUDIO_EXTENSIONS } from './metadata';
import { errorText } from './scan-file';

/** An audio file found on disk, with what a rescan compares. */
export interface FoundFile {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** What one walk found. */
export interface FolderWalk {
  /** Audio files, sorted by path. */
  files: FoundFile[];
  /** Folders that could not be read (their files are not gone, just unseen). */
  unreadable: string[];
  /** The same folders, with the reason, for the skipped list. */
  folderProblems: SkippedFile[];
}

/** Lists audio files under every folder with one stat each; `checkAbort` throws to end the walk. */
export async function walkFolders(folders: readonly string[], checkAbort: () => void): Promise<FolderWalk> {
  const paths: string[] = [];
  const unreadable: string[] = [];
  const folderProblems: SkippedFile[] = [];
  const visited = new Set<string>();
  for (const folder of folders) {
    const stack = [folder];
    while (stack.length > 0) {
      checkAbort();
      const dir = stack.pop()!;
      if (visited.has(dir)) continue;
      visited.add(dir);
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        unreadable.push(dir);
        folderProblems.push({ path: dir, reason: `folder unreadable: ${errorText(error)}` });
        continue;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) stack.push(path);
        else if (
          (entry.isFile() || entry.isSymbolicLink()) &&
          AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())
        ) {
          paths.push(path);
        }
      }
    }
  }

  const files: FoundFile[] = [];
  let next = 0;
  const statWorker = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      try {
        const info = await stat(path);
        if (info.isFile()) files.push({ path, sizeBytes: info.size, mtimeMs: info.mtimeMs });
      } catch {
        // Vanished between listing and stat (or a dangling link): not a library file.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, paths.length) }, statWorker));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, unreadable, folderProblems };
}
