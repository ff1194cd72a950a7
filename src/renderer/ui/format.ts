/** Formatting for the UI: durations, sizes, ages and offsets, as plain functions. */

/** A duration as `m:ss`, or `h:mm:ss` from an hour up; negative and non-finite values read as 0:00. */
export function formatDuration(sec: number): string {
  const total = Number.isFinite(sec) && sec > 0 ? Math.floor(sec) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A byte count in B, KB, MB or GB (powers of 1024, one decimal below 10). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** How long ago something was seen, from an age in ms: "just now", "4 s ago", "2 min ago", "1 h ago". */
export function formatAgo(ageMs: number): string {
  if (!Number.isFinite(ageMs) || ageMs < 1500) return 'just now';
  const sec = Math.round(ageMs / 1000);
  if (sec < 60) return `${sec} s ago`;
  const min = Math.round(sec / 60);
  if (min < 60) return `${min} min ago`;
  return `${Math.round(min / 60)} h ago`;
}

/** A time in ms with a sign and a precision that suits its size: "+0.42 ms", "−12.3 ms", "+1.25 s". */
export function formatSignedMs(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${sign}${(abs / 1000).toFixed(2)} s`;
  return `${sign}${abs.toFixed(abs < 10 ? 2 : 1)} ms`;
}

/** A non-negative time in ms: "0.31 ms", "12.4 ms", "1.20 s". */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${(abs / 1000).toFixed(2)} s`;
  return `${abs.toFixed(abs < 10 ? 2 : 1)} ms`;
}

/** A whole-number percentage of done/total, clamped to 0..100 (0 when the total is unknown). */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}

/** "1 track", "2 tracks": a count with its noun, singular or plural, with thousands separators. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

/** A stable hue (0..359) for a text, so a track without art gets the same coloured placeholder every time. */
export function hueOf(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 360;
}

/** Up to two initials of a name, for avatars and cover placeholders. */
export function initials(text: string): string {
  const words = text
    .trim()
    .split(/[\s\-_]+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
  const letters = words.slice(0, 2).map((w) => [...w.replace(/^[^\p{L}\p{N}]+/u, '')][0] ?? '');
  return letters.join('').toUpperCase() || '♪';
}
