/** Polls peers' `/api/status` until a condition holds: tests wait on what peers announce, never on sleeps. */
import type { PeerStatus } from '../../src/shared/status';
import { apiFetch } from './peers';

/** Fetches one peer's status. */
export async function getStatus(ui: string): Promise<PeerStatus> {
  const response = await apiFetch(ui, '/api/status');
  if (!response.ok) throw new Error(`${ui}/api/status: HTTP ${response.status}`);
  return (await response.json()) as PeerStatus;
}

/** Resolves with the statuses once `check` accepts them; rejects with the last statuses after the timeout. */
export async function waitForStatuses(
  uis: string[],
  check: (statuses: PeerStatus[]) => boolean,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<PeerStatus[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PeerStatus[] = [];
  for (;;) {
    try {
      last = await Promise.all(uis.map(getStatus));
      if (check(last)) return last;
    } catch {
      // A peer that is still starting or just died: try again until the deadline.
    }
    if (Date.now() > deadline) {
      const summary = last.map((s) => ({
        self: s.self.name,
        leader: s.leader,
        members: s.members.map((m) => `${m.name}:${m.role}`),
      }));
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(summary)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True when every status names the same leader, and it is `leaderId` if given. */
export function agreeOnLeader(statuses: PeerStatus[], leaderId?: string): boolean {
  const first = statuses[0]?.leader?.peerId;
  return (
    !!first &&
    (leaderId === undefined || first === leaderId) &&
    statuses.every((s) => s.leader?.peerId === first)
  );
}

/** Polls `read` until `check` holds (gossip and catalogs take a moment), returning the last value. */
export async function until<T>(
  read: () => Promise<T>,
  check: (v: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}
