import { usePeers } from '../store';

/** The room's members, with the leader marked. */
export function PeersPanel() {
  const { members, leader } = usePeers();
  return (
    <section className="panel" aria-labelledby="peers-title">
      <h2 id="peers-title">Room</h2>
      {leader ? (
        <p className="muted">
          Leader epoch <span data-testid="leader-epoch">{leader.epoch}</span>
        </p>
      ) : (
        <p className="muted">No leader yet</p>
      )}
      <table className="peers" data-testid="peers-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">RTT</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.peerId} data-peer-id={m.peerId}>
              <td>
                {m.peerId === leader?.peerId ? <span aria-label="leader">★ </span> : null}
                {m.name}
              </td>
              <td>{m.role}</td>
              <td>{m.rttMs === null ? '–' : `${m.rttMs.toFixed(1)} ms`}</td>
              <td>{`${Math.round(m.lastSeenMs)} ms ago`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
