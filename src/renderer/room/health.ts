/** How the room looks to the user: sync health from error figures, and readable lists from the status. */
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { MemberInfo, PeerStatus, SpeakerReport } from '../../shared/status';

export type Health = 'good' | 'fair' | 'poor' | 'unknown';

/** Thresholds (ms of clock or playback error) between good, fair and poor: a few ms is inaudible, tens of ms are an echo. */
export const HEALTH_LIMITS_MS = { good: 5, fair: 20 } as const;

/** Health of an error figure in ms (absolute value); unknown when there is none. */
export function healthOf(errorMs: number | null | undefined): Health {
  if (errorMs === null || errorMs === undefined || !Number.isFinite(errorMs)) return 'unknown';
  const abs = Math.abs(errorMs);
  if (abs <= HEALTH_LIMITS_MS.good) return 'good';
  return abs <= HEALTH_LIMITS_MS.fair ? 'fair' : 'poor';
}

/**
 * Thresholds (ms of a speaker's output against group time, by its engine's own estimate) between
 * good, fair and poor. Two speakers a millisecond apart sound as one; at 5 ms a stereo image
 * shifts; past that it becomes an echo. The clock's error bound is not used: it is a worst case
 * that can read ±50 ms while the speakers are 0.02 ms apart.
 */
export const SPEAKER_HEALTH_LIMITS_MS = { good: 1, fair: 5 } as const;

/** A device's health by its speaker: its sync while it plays, poor when it cannot play, unknown otherwise. */
export function speakerHealth(output: SpeakerReport | null | undefined): Health {
  if (!output) return 'unknown';
  if (output.state === 'needs-click' || output.state === 'failed') return 'poor';
  if (output.state !== 'playing' || output.syncErrorMs === null) return 'unknown';
  const abs = Math.abs(output.syncErrorMs);
  if (abs <= SPEAKER_HEALTH_LIMITS_MS.good) return 'good';
  return abs <= SPEAKER_HEALTH_LIMITS_MS.fair ? 'fair' : 'poor';
}

/** What a device's speaker does, in words: "Playing · 0.02 ms off", "No sound — needs a click", … */
export function speakerText(output: SpeakerReport | null | undefined): string {
  if (!output) return 'No window playing';
  switch (output.state) {
    case 'playing': {
      if (output.syncErrorMs === null) return 'Playing';
      const abs = Math.abs(output.syncErrorMs);
      return `Playing · ${abs < 0.01 ? '<0.01' : abs.toFixed(2)} ms off`;
    }
    case 'needs-click':
      return 'No sound — needs a click';
    case 'failed':
      return `Cannot play${output.detail ? `: ${output.detail}` : ''}`;
    case 'waiting':
      return output.detail ? `Waiting: ${output.detail}` : 'Waiting for data';
    case 'decoding':
      return 'Decoding';
    default:
      return 'Idle';
  }
}

/** Words for a health, for screen readers and tooltips. */
export const healthLabel: Record<Health, string> = {
  good: 'in sync',
  fair: 'slightly off',
  poor: 'out of sync',
  unknown: 'not measured yet',
};

/** Members in display order: the leader first, then by name. */
export function orderedMembers(members: readonly MemberInfo[], leaderId: string | null): MemberInfo[] {
  return [...members].sort((a, b) => {
    if (a.peerId === leaderId) return -1;
    if (b.peerId === leaderId) return 1;
    return a.name.localeCompare(b.name) || a.peerId.localeCompare(b.peerId);
  });
}

/** One row of the downloads list. */
export interface DownloadRow {
  trackId: string;
  title: string;
  haveChunks: number;
  totalChunks: number;
  bytes: number;
  done: boolean;
  /** The track's size, when the library knows the track. */
  sizeBytes: number | null;
}

/** What a download row says beside its title: progress of the track's size, or done with its size. */
export function downloadText(row: DownloadRow, formatBytes: (bytes: number) => string): string {
  const fraction = row.totalChunks > 0 ? row.haveChunks / row.totalChunks : 0;
  if (row.sizeBytes === null)
    return row.done
      ? 'done'
      : `${Math.floor(fraction * 100)}% · ${row.haveChunks} of ${row.totalChunks} chunks`;
  if (row.done) return `done · ${formatBytes(row.sizeBytes)}`;
  return `${Math.floor(fraction * 100)}% · ${formatBytes(row.sizeBytes * fraction)} of ${formatBytes(row.sizeBytes)}`;
}

/** Downloads from the status, named by the library, unfinished first. */
export function downloadRows(
  downloads: PeerStatus['downloads'],
  tracks: ReadonlyMap<string, RoomTrack>,
): DownloadRow[] {
  return Object.entries(downloads ?? {})
    .map(([trackId, d]) => {
      const track = tracks.get(trackId);
      const title = track
        ? track.artist
          ? `${track.title} — ${track.artist}`
          : track.title
        : `Track ${trackId.slice(0, 10)}…`;
      return { trackId, title, ...d, sizeBytes: track?.sizeBytes ?? null };
    })
    .sort((a, b) => Number(a.done) - Number(b.done) || a.title.localeCompare(b.title));
}

/**
 * Sentences for what changed in the room between two statuses (for a screen reader's live region):
 * a new leader, members joining and leaving.
 */
export function describeRoomChanges(before: PeerStatus | null, after: PeerStatus): string[] {
  if (!before) return [];
  const out: string[] = [];
  const nameOf = (id: string) =>
    after.members.find((m) => m.peerId === id)?.name ??
    (id === after.self.peerId ? after.self.name : `peer ${id.slice(-6)}`);
  if (after.leader && after.leader.peerId !== before.leader?.peerId) {
    out.push(
      after.leader.peerId === after.self.peerId
        ? 'This device is now the leader.'
        : `${nameOf(after.leader.peerId)} is now the leader.`,
    );
  }
  const was = new Map(before.members.map((m) => [m.peerId, m.name]));
  const now = new Set(after.members.map((m) => m.peerId));
  for (const m of after.members)
    if (!was.has(m.peerId) && m.peerId !== after.self.peerId) out.push(`${m.name} joined the room.`);
  for (const [id, name] of was)
    if (!now.has(id) && id !== after.self.peerId) out.push(`${name} left the room.`);
  return out;
}
