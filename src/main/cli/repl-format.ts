/**
 * How the REPL (`repl.ts`) shows the peer's state: peers, tracks, status, live sources and volumes as
 * plain text lines, with durations as m:ss.
 */
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { DeviceOutputInfo } from '../../shared/devices/output';
import type { LiveSourceList } from '../../shared/live/sources';
import type { PeerStatus } from '../../shared/status';

/** Formats seconds as m:ss. */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The room's other peers, one a line, the leader starred. */
export function formatPeers(status: PeerStatus): string {
  if (status.members.length === 0) return 'No other peers in the room.';
  const rows = status.members.map((m) => {
    const leader = status.leader?.peerId === m.peerId ? '*' : ' ';
    const rtt = m.rttMs === null ? '-' : `${m.rttMs.toFixed(1)} ms`;
    return `${leader} ${m.name.padEnd(16)} ${m.role.padEnd(9)} rtt ${rtt.padEnd(9)} seen ${Math.round(m.lastSeenMs)} ms ago  ${m.peerId}`;
  });
  return rows.join('\n');
}

/** The room's tracks, numbered for `play <index>`. */
export function formatTracks(tracks: RoomTrack[]): string {
  if (tracks.length === 0) return 'The room has no tracks yet.';
  return tracks
    .map(
      (t) =>
        `${String(t.index).padStart(4)}  ${t.artist} — ${t.title}  (${formatDuration(t.durationSec)})${t.local ? '' : '  [remote]'}`,
    )
    .join('\n');
}

/** This peer, its leader, clock, playback and (when something is wrong) storage. */
export function formatStatus(status: PeerStatus): string {
  const leader = status.leader
    ? `${status.leader.peerId === status.self.peerId ? 'this peer' : status.leader.peerId} (epoch ${status.leader.epoch})`
    : 'none yet';
  const clock = status.clock
    ? `offset ${status.clock.offsetMs.toFixed(3)} ms, drift ${status.clock.driftPpm.toFixed(1)} ppm, rtt ${status.clock.rttMs.toFixed(3)} ms, ±${status.clock.errorMs.toFixed(3)} ms`
    : 'no estimate (this peer leads or has no leader)';
  return [
    `peer     ${status.self.name} (${status.self.peerId}), priority ${status.self.priority}`,
    `leader   ${leader}`,
    `members  ${status.members.length}`,
    `clock    ${clock}`,
    `playback ${status.playback.state}${status.playback.source ? ` live source ${status.playback.source.name}` : ''}${status.playback.liveStopReason ? ` (${status.playback.liveStopReason})` : ''}${status.playback.trackId ? ` ${status.playback.title ? `${status.playback.title}${status.playback.artist ? ` — ${status.playback.artist}` : ''}` : status.playback.trackId.slice(0, 12)} at ${formatDuration(status.playback.positionSec)}` : ''}`,
    // Only when something is wrong: "storage disk full: 12 MB needed (downloads paused)" (#24).
    ...(status.storage?.message ? [`storage  ${status.storage.message} (downloads paused)`] : []),
  ].join('\n');
}

/** The room's live sources and the last stop. */
export function formatSources(list: LiveSourceList): string {
  const rows = list.sources.map((s) => {
    const state = s.error ? `${s.state}: ${s.error}` : s.state;
    return `${s.name.padEnd(20)} ${s.kind.padEnd(8)} on ${(s.local ? 'this device' : (s.peerName ?? s.peerId)).padEnd(16)} ${state}`;
  });
  if (list.lastStop) rows.push(`(last stop: ${list.lastStop.name}: ${list.lastStop.reason})`);
  return rows.length > 0 ? rows.join('\n') : 'The room has no live sources (start a peer with --source).';
}

/** Every device's volume, one a line. */
export function formatVolumes(devices: DeviceOutputInfo[]): string {
  if (devices.length === 0) return 'No devices known yet.';
  return devices
    .map(
      (d) =>
        `${d.name.padEnd(16)} ${String(Math.round(d.volume * 100)).padStart(3)}%${d.muted ? '  muted' : ''}${d.self ? '  (this device)' : ''}`,
    )
    .join('\n');
}
