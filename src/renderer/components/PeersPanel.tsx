import { useMemo } from 'react';
import type { MemberInfo, Role } from '../../shared/status';
import {
  downloadRows,
  downloadText,
  healthLabel,
  healthOf,
  orderedMembers,
  speakerHealth,
  speakerText,
  type Health,
} from '../room/health';
import { usePeerStatus, usePlaybackState, useTrackMap } from '../store';
import { countOf, formatAgo, formatBytes, formatMs, formatSignedMs } from '../ui/format';
import { Icon } from './Icons';
import { ProgressBar } from './ProgressBar';
import { SpeakerVolumes } from './SpeakerVolumes';
import { CalibratePanel } from './CalibratePanel';
import { LiveSources } from './LiveSources';

function HealthDot({ health }: { health: Health }) {
  return (
    <span className={`health health-${health}`}>
      <span className="dot" aria-hidden="true" />
      <span className="visually-hidden">{healthLabel[health]}</span>
    </span>
  );
}

const roleLabel: Record<Role, string> = { leader: 'Leader', follower: 'Follower', candidate: 'Electing…' };

/** The room: who is in it and who leads, how well each device keeps time, and what is being fetched. */
export function PeersPanel() {
  const status = usePeerStatus();
  const state = usePlaybackState();
  const byId = useTrackMap();
  const leader = status?.leader ?? null;
  const selfId = status?.self.peerId ?? '';
  const members = useMemo(() => {
    if (!status) return [];
    const list = [...status.members];
    // The peer lists the others; show this device too, so the table is the whole room.
    if (!list.some((m) => m.peerId === selfId)) {
      const role = (
        typeof status.config.role === 'string'
          ? status.config.role
          : leader?.peerId === selfId
            ? 'leader'
            : 'follower'
      ) as Role;
      const active = Object.entries(status.downloads ?? {}).find(([, d]) => !d.done);
      const download = active
        ? { trackId: active[0], haveChunks: active[1].haveChunks, totalChunks: active[1].totalChunks }
        : null;
      list.push({
        peerId: selfId,
        name: status.self.name,
        priority: status.self.priority,
        role,
        addrs: status.self.addrs,
        lastSeenMs: 0,
        rttMs: null,
        clock: status.clock,
        download,
        output: status.output ?? null,
      });
    }
    return orderedMembers(list, leader?.peerId ?? null);
  }, [status, selfId, leader]);
  const downloads = useMemo(() => downloadRows(status?.downloads, byId), [status?.downloads, byId]);
  const leaderName = leader
    ? (members.find((m) => m.peerId === leader.peerId)?.name ?? leader.peerId.slice(-8))
    : null;
  const sync = status?.sync ?? null;
  const playing = !!state && state.currentIndex !== null && !state.paused;
  const selfClock = status?.clock ?? null;
  const scan = status?.library?.scan;
  const log = status?.log.slice(-8).reverse() ?? [];

  return (
    <section className="view room" aria-labelledby="room-title">
      <header className="view-header">
        <div>
          <h1 id="room-title" tabIndex={-1}>
            Room
          </h1>
          <p className="view-sub">
            {countOf(members.length, 'device')} ·{' '}
            {status?.config.room === 'custom' ? 'private room' : 'default room'}
          </p>
        </div>
      </header>

      <div className="cards">
        <article className="card" aria-labelledby="card-leader">
          <h2 id="card-leader" className="card-label">
            Leader
          </h2>
          {leader ? (
            <>
              <p className="card-value" data-testid="leader-name">
                <Icon name="star" size={18} className="leader-star" /> {leaderName}
                {leader.peerId === selfId ? <span className="tag">this device</span> : null}
              </p>
              <p className="card-sub">
                Epoch <span data-testid="leader-epoch">{leader.epoch}</span>
              </p>
            </>
          ) : (
            <p className="card-value muted">Electing a leader…</p>
          )}
        </article>
        <article className="card" aria-labelledby="card-sync">
          <h2 id="card-sync" className="card-label">
            This device’s playback
          </h2>
          <p className="card-value" data-testid="self-sync">
            <HealthDot health={healthOf(playing ? sync?.errorMs : null)} />
            {playing && sync ? `${formatSignedMs(sync.errorMs)} from group time` : 'Measured while playing'}
          </p>
          <p className="card-sub">
            {playing && sync
              ? `error bound ${formatMs(sync.boundMs)}`
              : 'The audio engine reports its sync error here.'}
          </p>
        </article>
        <article className="card" aria-labelledby="card-clock">
          <h2 id="card-clock" className="card-label">
            Clock vs leader
          </h2>
          {selfClock ? (
            <>
              <p className="card-value" data-testid="self-clock">
                <HealthDot health={healthOf(selfClock.errorMs)} />
                {formatSignedMs(selfClock.offsetMs)}
              </p>
              <p className="card-sub">
                ±{formatMs(selfClock.errorMs)} · drift {selfClock.driftPpm.toFixed(1)} ppm · RTT{' '}
                {formatMs(selfClock.rttMs)}
              </p>
            </>
          ) : (
            <p className="card-value muted">
              {leader?.peerId === selfId ? 'This device keeps group time' : 'Not measured yet'}
            </p>
          )}
        </article>
      </div>

      <SpeakerVolumes />
      <CalibratePanel />
      <LiveSources />

      <h2 className="section-title">Devices</h2>
      <div className="table-wrap">
        <table className="peers" data-testid="peers-table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Role</th>
              <th scope="col" className="num">
                RTT
              </th>
              <th scope="col" className="num">
                Clock offset
              </th>
              <th scope="col" className="num">
                Clock error
              </th>
              <th scope="col">Speaker</th>
              <th scope="col">Fetching</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m: MemberInfo) => (
              <tr key={m.peerId} data-peer-id={m.peerId} className={m.peerId === selfId ? 'self' : ''}>
                <th scope="row">
                  <span className="device-name">
                    <HealthDot health={speakerHealth(m.output)} />
                    {m.name}
                    {m.peerId === leader?.peerId ? (
                      <span className="leader-mark" aria-label="leader" title="Leader">
                        <Icon name="star" size={14} />
                      </span>
                    ) : null}
                    {m.peerId === selfId ? <span className="tag">you</span> : null}
                  </span>
                  <code className="peer-id">{m.peerId.slice(-10)}</code>
                </th>
                <td>
                  {roleLabel[m.role]}
                  {m.peerId === leader?.peerId ? (
                    <span className="muted"> · epoch {leader.epoch}</span>
                  ) : null}
                </td>
                <td className="num">{m.rttMs === null ? '–' : formatMs(m.rttMs)}</td>
                {m.peerId === leader?.peerId ? (
                  <td className="num muted" colSpan={2}>
                    reference (group time)
                  </td>
                ) : (
                  <>
                    <td className="num">{m.clock ? formatSignedMs(m.clock.offsetMs) : '–'}</td>
                    <td className="num">{m.clock ? `±${formatMs(m.clock.errorMs)}` : '–'}</td>
                  </>
                )}
                <td data-testid="device-speaker">{speakerText(m.output)}</td>
                <td data-testid="device-download">
                  {m.download && m.download.totalChunks > 0 ? (
                    <span title={byId.get(m.download.trackId)?.title ?? m.download.trackId.slice(0, 12)}>
                      {Math.floor((m.download.haveChunks / m.download.totalChunks) * 100)}% of{' '}
                      {byId.get(m.download.trackId)?.title ?? 'a track'}
                    </span>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
                <td>{m.peerId === selfId ? '—' : formatAgo(m.lastSeenMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="two-col">
        <div>
          <h2 className="section-title">Downloads</h2>
          {downloads.length === 0 ? (
            <p className="muted">
              Nothing to fetch: tracks on other devices are fetched when they are about to play.
            </p>
          ) : (
            <ul className="downloads" data-testid="downloads">
              {downloads.map((d) => (
                <li key={d.trackId} className={d.done ? 'done' : ''}>
                  <div className="download-line">
                    <span className="download-title">{d.title}</span>
                    <span className="muted" data-testid="download-progress">
                      {downloadText(d, formatBytes)}
                    </span>
                  </div>
                  <ProgressBar done={d.haveChunks} total={d.totalChunks} label={`Download of ${d.title}`} />
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h2 className="section-title">This device’s library</h2>
          {status?.library ? (
            <div className="library-status" data-testid="library-status">
              <p>
                {countOf(status.library.tracks, 'track')} shared
                {status.library.skipped > 0 ? (
                  <span className="muted"> · {countOf(status.library.skipped, 'file')} skipped</span>
                ) : null}
              </p>
              {scan?.running ? (
                <>
                  <p className="muted">
                    Scanning {scan.done} of {scan.total} files…
                  </p>
                  <ProgressBar
                    done={scan.done}
                    total={scan.total}
                    label="Library scan"
                    indeterminate={scan.total === 0}
                  />
                </>
              ) : (
                <p className="muted">Scan complete.</p>
              )}
            </div>
          ) : (
            <p className="muted">Not reported yet.</p>
          )}
          <h2 className="section-title">Recent events</h2>
          {log.length === 0 ? (
            <p className="muted">Nothing yet.</p>
          ) : (
            <ul className="log">
              {log.map((line, i) => (
                <li key={`${i}-${line}`}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
