/** A room of real headless peers for integration tests, with the temp music folders it made, cleaned up in one call. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RoomTrack } from '../../src/shared/bridge/payloads';
import { copyInto } from '../audio/make-audio';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './peers';
import { agreeOnLeader, until, waitForStatuses } from './status';

/** Peers and folders one test made; `cleanUp()` (in afterEach) stops and removes them. */
export class TestRoom {
  peers: TestPeer[] = [];
  folders: string[] = [];

  /** Launches a peer (up to 120 s to start: other tests may share the machine), stopped by `cleanUp`. */
  async launch(name: string, args: string[], dataDir?: string): Promise<TestPeer> {
    const peer = await launchPeer({ name, args, readyTimeoutMs: 120_000, ...(dataDir ? { dataDir } : {}) });
    this.peers.push(peer);
    return peer;
  }

  /** A peer that joins through `via`. */
  join(name: string, via: TestPeer, dataDir?: string): Promise<TestPeer> {
    return this.launch(name, ['--bootstrap', via.addrs[0] as string], dataDir);
  }

  /**
   * A holder of copies of `files` that leads and a member that holds none; resolves once they
   * agree on the leader and the member lists every file, with the copies' paths.
   */
  async holderAndMember(
    files: string[],
  ): Promise<{ holder: TestPeer; member: TestPeer; copies: string[]; tracks: RoomTrack[] }> {
    const music = mkdtempSync(path.join(os.tmpdir(), 'firefly-room-'));
    this.folders.push(music);
    const copies = await copyInto(music, files);
    const holder = await this.launch('holder', ['--library', music, '--priority', '9']);
    const member = await this.join('member', holder);
    await waitForStatuses(
      [holder.ui, member.ui],
      (s) => agreeOnLeader(s, holder.peerId) && s.every((x) => x.members.length === 1),
      { what: 'the room to form', timeoutMs: 60_000 },
    );
    const tracks = await until(
      async () => (await apiFetch(member.ui, '/api/tracks')).json() as Promise<RoomTrack[]>,
      (list) => list.length === files.length,
      `the member to list the room’s ${files.length} tracks`,
    );
    return { holder, member, copies, tracks };
  }

  async cleanUp(): Promise<void> {
    await stopPeers(this.peers.splice(0));
    for (const f of this.folders.splice(0)) rmSync(f, { recursive: true, force: true });
  }
}
