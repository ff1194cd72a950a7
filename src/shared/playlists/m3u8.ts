/**
 * M3U8 playlists in and out: the extended M3U format (UTF-8) every player reads. An import's
 * entries are matched against the room's tracks; an export lists each track with its `#EXTINF`
 * (length, "Artist - Title") and where to find it: the file on this device, or the peer's media URL.
 *
 * The text is untrusted (a file the user picked, a request body): it is checked whole before any
 * parsing (size, line count, line length, no binary, well-formed text), and refused with a reason.
 */
import type { Validator } from '../validate';
import { err, ok } from '../result';
import { playlistLimits } from './playlist';

export const m3u8Limits = {
  /** Characters of text: 500 entries with long paths and #EXTINF lines fit with room to spare. */
  maxChars: 200_000,
  maxLines: 5_000,
  maxLineChars: 4_096,
  /** Entries one playlist can take. */
  maxEntries: playlistLimits.maxTracks,
} as const;

/** One entry of a playlist file: where it points and what its #EXTINF said. */
export interface M3uEntry {
  /** 1-based line number of the location line. */
  line: number;
  location: string;
  /** From #EXTINF; null when absent or -1. */
  durationSec: number | null;
  /** The #EXTINF display text ("Artist - Title"); null when absent. */
  display: string | null;
}

// Binary data shows as control characters; tab, CR and LF are a text file's own.
// eslint-disable-next-line no-control-regex
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The text of an M3U8 file, checked as the file comment says (a request validator). */
export const m3u8TextValidator: Validator<string> = (input, path) => {
  const where = path ?? 'm3u8';
  if (typeof input !== 'string') return err(`${where}: expected the playlist's text`);
  if (input.length > m3u8Limits.maxChars)
    return err(
      `${where}: ${input.length} characters; a playlist file may have at most ${m3u8Limits.maxChars}`,
    );
  if (!input.isWellFormed()) return err(`${where}: not valid UTF-8 text (a broken character)`);
  if (input.includes('\ufffd')) return err(`${where}: not valid UTF-8 text (it has undecodable bytes)`);
  if (BINARY.test(input)) return err(`${where}: binary data, not a playlist's text`);
  const lines = input.split(/\r\n|\r|\n/);
  if (lines.length > m3u8Limits.maxLines)
    return err(`${where}: ${lines.length} lines; a playlist file may have at most ${m3u8Limits.maxLines}`);
  const long = lines.findIndex((l) => l.length > m3u8Limits.maxLineChars);
  if (long >= 0) return err(`${where}: line ${long + 1} is over ${m3u8Limits.maxLineChars} characters`);
  return ok(input);
};

/** The entries of a checked M3U8 text, in order; refuses more than a playlist holds. */
export function parseM3u8(text: string): { ok: true; value: M3uEntry[] } | { ok: false; error: string } {
  const entries: M3uEntry[] = [];
  let info: { durationSec: number | null; display: string | null } | null = null;
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#EXTINF:\s*(-?\d+(?:\.\d+)?)?[^,]*(?:,(.*))?$/i.exec(line);
      if (m) {
        const secs = m[1] === undefined ? null : Number(m[1]);
        info = {
          durationSec: secs !== null && secs >= 0 ? secs : null,
          display: m[2]?.trim() || null,
        };
      }
      return;
    }
    entries.push({
      line: i + 1,
      location: line,
      durationSec: info?.durationSec ?? null,
      display: info?.display ?? null,
    });
    info = null;
  });
  if (entries.length > m3u8Limits.maxEntries)
    return err(
      `the playlist has ${entries.length} entries; a playlist holds at most ${m3u8Limits.maxEntries}`,
    );
  return ok(entries);
}

/** A track an import may match: its tags and, for tracks on this device, its files' paths. */
export interface MatchCandidate {
  trackId: string;
  title: string;
  artist: string;
  paths: readonly string[];
}

export interface M3uMatch {
  trackIds: string[];
  /** Entries no track matched, with their line numbers. */
  unmatched: { line: number; entry: string }[];
}

const MEDIA_URL = /\/media\/track\/([0-9a-f]{64})(?:[?#].*)?$/i;
const lower = (s: string) => s.trim().toLocaleLowerCase('en-US');

/** A location's path segments, lower case: a file:// URL decoded, Windows separators read as '/'. */
function segmentsOf(location: string): string[] {
  let path = location;
  const file = /^file:\/\/[^/]*(\/.*)$/i.exec(path);
  if (file) {
    try {
      path = decodeURIComponent(file[1] as string);
    } catch {
      // Broken escapes: match it as written.
    }
  }
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '')
    .map(lower);
}

const tagKey = (artist: string, title: string) => `${lower(artist)}\u0000${lower(title)}`;

/** File name without extension and leading track number ("03 - Artist - Title.flac" → "Artist - Title"). */
const stemOf = (segments: readonly string[]) =>
  (segments.at(-1) ?? '').replace(/\.[a-z0-9]{1,5}$/, '').replace(/^\d{1,3}\s*[-._)]?\s*/, '');

/**
 * Matches each entry to one of the room's tracks: a Firefly media URL by its track id; a path by
 * the longest run of trailing path segments it shares with a file on this device (the file name
 * at least); otherwise by "Artist - Title" (from #EXTINF, else the file name) or a title only one
 * track has, ignoring case.
 */
export function matchM3u8(entries: readonly M3uEntry[], candidates: readonly MatchCandidate[]): M3uMatch {
  const byId = new Set(candidates.map((c) => c.trackId));
  const byFileName = new Map<string, { trackId: string; segments: string[] }[]>();
  const byTags = new Map<string, string>();
  const byTitle = new Map<string, string | null>();
  for (const c of candidates) {
    for (const p of c.paths) {
      const segments = segmentsOf(p);
      const name = segments.at(-1);
      if (name === undefined) continue;
      const list = byFileName.get(name) ?? [];
      list.push({ trackId: c.trackId, segments });
      byFileName.set(name, list);
    }
    if (!byTags.has(tagKey(c.artist, c.title))) byTags.set(tagKey(c.artist, c.title), c.trackId);
    const title = lower(c.title);
    // A title two tracks share says nothing about which one is meant.
    byTitle.set(title, byTitle.has(title) && byTitle.get(title) !== c.trackId ? null : c.trackId);
  }
  const byText = (text: string): string | null => {
    const parts = text.split(' - ');
    for (let i = 1; i < parts.length; i++) {
      const hit = byTags.get(tagKey(parts.slice(0, i).join(' - '), parts.slice(i).join(' - ')));
      if (hit) return hit;
    }
    return byTitle.get(lower(text)) ?? null;
  };
  const byPath = (segments: string[]): string | null => {
    const files = byFileName.get(segments.at(-1) ?? '') ?? [];
    let best: string | null = null;
    let bestTail = 0;
    for (const f of files) {
      let tail = 0;
      while (
        tail < segments.length &&
        tail < f.segments.length &&
        segments.at(-1 - tail) === f.segments.at(-1 - tail)
      )
        tail++;
      if (tail > bestTail) [best, bestTail] = [f.trackId, tail];
    }
    return best;
  };

  const trackIds: string[] = [];
  const unmatched: M3uMatch['unmatched'] = [];
  for (const e of entries) {
    const media = MEDIA_URL.exec(e.location)?.[1]?.toLowerCase();
    const segments = segmentsOf(e.location);
    const hit =
      (media && byId.has(media) ? media : null) ??
      byPath(segments) ??
      (e.display ? byText(e.display) : null) ??
      byText(stemOf(segments));
    if (hit) trackIds.push(hit);
    else unmatched.push({ line: e.line, entry: e.display ? `${e.display} (${e.location})` : e.location });
  }
  return { trackIds, unmatched };
}

/** One exported entry. */
export interface M3uOut {
  durationSec: number;
  artist: string;
  title: string;
  /** A path or URL; must be one line. */
  location: string;
}

/** An M3U8 text: #EXTM3U, the playlist's name, then #EXTINF:secs,Artist - Title and the location of each track. */
export function formatM3u8(name: string, tracks: readonly M3uOut[]): string {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const lines = ['#EXTM3U', `#PLAYLIST:${oneLine(name)}`];
  for (const t of tracks) {
    const secs = t.durationSec > 0 ? Math.round(t.durationSec) : -1;
    const display = t.artist ? `${t.artist} - ${t.title}` : t.title;
    lines.push(`#EXTINF:${secs},${oneLine(display)}`, oneLine(t.location));
  }
  return `${lines.join('\n')}\n`;
}

/** A file name for a playlist's export: its name without characters file systems refuse. */
export const m3u8FileName = (name: string): string =>
  // eslint-disable-next-line no-control-regex
  `${name.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '_').trim() || 'playlist'}.m3u8`;
