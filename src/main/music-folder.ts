/** The user's music folder, used when no folder is given: the XDG music directory, else ~/Music. */
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Reads XDG_MUSIC_DIR from user-dirs.dirs (`XDG_MUSIC_DIR="$HOME/Music"`); null when not set there. */
function xdgMusicDir(env: NodeJS.ProcessEnv, home: string): string | null {
  if (env.XDG_MUSIC_DIR) return env.XDG_MUSIC_DIR;
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  let text: string;
  try {
    text = readFileSync(path.join(configHome, 'user-dirs.dirs'), 'utf8');
  } catch {
    return null;
  }
  const value = /^XDG_MUSIC_DIR="([^"]*)"/m.exec(text)?.[1];
  if (!value) return null;
  const expanded = value.replace(/^\$HOME/, home);
  // xdg-user-dirs sets a folder to $HOME itself to mean "none".
  return path.resolve(expanded) === path.resolve(home) ? null : expanded;
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The first existing folder of: XDG music directory, ~/Music; null when there is none. */
export function defaultMusicFolder(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string | null {
  for (const candidate of [xdgMusicDir(env, home), path.join(home, 'Music')])
    if (candidate && path.isAbsolute(candidate) && isFolder(candidate)) return candidate;
  return null;
}
