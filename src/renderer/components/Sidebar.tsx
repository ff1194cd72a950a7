import {
  useActions,
  useIdentity,
  useLibrary,
  usePeerStatus,
  usePlaybackState,
  usePlaylists,
  useView,
  type View,
} from '../store';
import { Icon, Logo, type IconName } from './Icons';

const items: Array<{ view: View; label: string; icon: IconName; keys: string }> = [
  { view: 'library', label: 'Library', icon: 'library', keys: 'G L' },
  { view: 'albums', label: 'Albums', icon: 'album', keys: 'G A' },
  { view: 'playlists', label: 'Playlists', icon: 'queue', keys: 'G P' },
  { view: 'queue', label: 'Queue', icon: 'queue', keys: 'G Q' },
  { view: 'room', label: 'Room', icon: 'room', keys: 'G R' },
  { view: 'settings', label: 'Settings', icon: 'settings', keys: 'Control+,' },
];

/** Navigation between the screens, and which device this window is. */
export function Sidebar() {
  const view = useView();
  const identity = useIdentity();
  const status = usePeerStatus();
  const state = usePlaybackState();
  const { tracks } = useLibrary();
  const { ui } = useActions();
  const { list: playlists } = usePlaylists();
  const counts: Partial<Record<View, number>> = {
    library: tracks.length,
    queue: state?.queue.length ?? 0,
    playlists: playlists.length,
    room: (status?.members.filter((m) => m.peerId !== status.self.peerId).length ?? 0) + 1,
  };
  const isLeader = !!status?.leader && status.leader.peerId === status.self.peerId;
  return (
    <aside className="sidebar">
      <div className="brand">
        <Logo />
        <span>Firefly</span>
      </div>
      <nav aria-label="Main">
        <ul>
          {items.map((item) => (
            <li key={item.view}>
              <button
                type="button"
                className="nav-item"
                aria-current={view === item.view ? 'page' : undefined}
                aria-keyshortcuts={item.keys}
                onClick={() => ui.setView(item.view)}
                data-testid={`nav-${item.view}`}
              >
                <Icon name={item.icon} />
                <span className="nav-label">{item.label}</span>
                {counts[item.view] ? (
                  <span className="nav-count">{counts[item.view]?.toLocaleString('en-US')}</span>
                ) : null}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="device-card" aria-label="This device">
        <div className="device-icon" aria-hidden="true">
          <Icon name="device" />
        </div>
        <div className="device-text">
          <span data-testid="peer-name" className="identity-name">
            {identity?.name ?? 'Connecting…'}
          </span>
          <span className="device-role">
            {status
              ? isLeader
                ? 'Leader of the room'
                : status.leader
                  ? 'In the room'
                  : 'Looking for the room…'
              : ''}
          </span>
          <code data-testid="peer-id" className="identity-id" title={identity?.peerId}>
            {identity?.peerId ?? ''}
          </code>
        </div>
      </div>
    </aside>
  );
}
