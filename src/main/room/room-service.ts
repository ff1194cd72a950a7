/**
 * Drives the pure room reducer (membership + Bully election) with real timers, the control topic and pings.
 * It is the one publisher on the control topic: every message this peer sends gets its sequence number here.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createRoom,
  roomEpoch,
  roomMembers,
  roomRole,
  roomStep,
  roomWakeMs,
  type Member,
  type RoomEffect,
  type RoomEvent,
  type RoomSelf,
  type RoomState,
  type RoomTimings,
} from '../../shared/election';
import { sealControl, type ControlDraft, type ControlMessage } from '../../shared/protocol';
import type { ClockInfo, DownloadInfo, LeaderInfo, Role, SpeakerReport } from '../../shared/status';
import { TypedEventTarget, type ListenOptions } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** What the room needs from the control topic. */
export interface ControlTopic {
  publish(message: ControlMessage): Promise<unknown>;
  on(
    type: 'message:received',
    listener: (message: { value: ControlMessage; from: string }) => void,
    options?: ListenOptions,
  ): unknown;
}

export interface RoomServiceComponents {
  control: ControlTopic;
  /** Round-trip time to a connected peer, in ms. */
  ping?(peerId: string, options: { signal: AbortSignal }): Promise<number>;
  /** Monotonic milliseconds for the reducer's timeouts. */
  now?(): number;
  logger?: ComponentLogger;
}

export interface RoomServiceInit {
  self: RoomSelf;
  timings?: Partial<RoomTimings>;
  /** Folder where the highest epoch seen is kept, so a restarted peer never reuses an epoch. */
  dataDir?: string;
  pingIntervalMs?: number;
}

export interface RoomEvents {
  'leader:changed': LeaderInfo | null;
  'member:joined': Member;
  'member:left': { member: Member; reason: string };
  /** Something shown in status changed (members, roles, RTTs). */
  'room:changed': void;
  /** A control message for another service (playback, catalog). */
  'message:other': { value: ControlMessage; from: string };
}

const ROOM_TYPES: ReadonlySet<string> = new Set(['heartbeat', 'election', 'answer', 'coordinator', 'leave']);

/** Membership and leader election for one peer, over the control topic. */
export class RoomService {
  readonly events: TypedEventTarget<RoomEvents>;
  #room: RoomState;
  #controller: AbortController | null = null;
  #timer: NodeJS.Timeout | null = null;
  #seq: number;
  #leader: LeaderInfo | null = null;
  readonly #dropped = new Map<string, number>();
  readonly #now: () => number;
  readonly #epochFile: string | null;

  readonly #log: Logger;

  constructor(
    private readonly components: RoomServiceComponents,
    private readonly init: RoomServiceInit,
  ) {
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:room');
    this.events = new TypedEventTarget<RoomEvents>(this.#log);
    this.#room = createRoom({ self: init.self, ...(init.timings ? { timings: init.timings } : {}) });
    this.#now = components.now ?? (() => performance.now());
    this.#epochFile = init.dataDir ? path.join(init.dataDir, 'room-epoch') : null;
    // Microseconds since the epoch: grows across restarts, so peers never see a sequence number reused.
    this.#seq = Date.now() * 1000;
  }

  /** Joins the room; idempotent. */
  async start(): Promise<void> {
    if (this.#controller) return;
    const controller = (this.#controller = new AbortController());
    const initialEpoch = await this.#loadEpoch();
    if (initialEpoch !== null) {
      this.#room = createRoom({
        self: this.init.self,
        initialEpoch,
        ...(this.init.timings ? { timings: this.init.timings } : {}),
      });
    }
    this.components.control.on(
      'message:received',
      ({ value, from }) => {
        if (ROOM_TYPES.has(value.type)) this.#step({ kind: 'message', msg: value });
        else {
          // Other services' messages go to them; only room messages drive the reducer (and refresh a member).
          this.events.emit('message:other', { value, from });
        }
      },
      { signal: controller.signal },
    );
    this.#step({ kind: 'start' });
    if (this.components.ping) void this.#pingLoop(controller.signal);
  }

  /** Leaves the room (announcing it) and stops every timer; idempotent. */
  async stop(): Promise<void> {
    if (!this.#controller) return;
    this.#step({ kind: 'stop' });
    this.#controller.abort();
    this.#controller = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#saveEpoch();
  }

  /** Publishes a message of another service with this peer's envelope and sequence. */
  async publish(draft: Omit<ControlDraft, 'from' | 'epoch'>): Promise<void> {
    const full = { ...draft, from: this.init.self.peerId, epoch: this.epoch() } as ControlDraft;
    await this.components.control.publish(sealControl(full, ++this.#seq)).catch((error: unknown) => {
      this.#count('publishFailed');
      this.#log(`publish ${draft.type} failed: ${(error as Error).message}`);
    });
  }

  /** Changes this peer's name or priority (announced at once). */
  update(self: Partial<Omit<RoomSelf, 'peerId'>>): void {
    if (this.#controller) this.#step({ kind: 'update', self });
  }

  /** Whether a window plays on this peer; announced at once, since starts wait for speakers. */
  setSpeaker(speaker: boolean): void {
    if (this.#room.self.speaker === speaker) return;
    if (this.#controller) this.#step({ kind: 'update', self: { speaker } });
    else this.#room = { ...this.#room, self: { ...this.#room.self, speaker } };
  }

  /** What this peer's speaker is doing, reported in its next heartbeats. */
  setOutput(output: SpeakerReport | null): void {
    if (this.#controller) this.#room = roomStep(this.#room, { kind: 'output', output }, this.#now()).room;
  }

  /** What this peer is fetching, reported in its next heartbeats. */
  setDownload(download: DownloadInfo | null): void {
    if (this.#controller) this.#room = roomStep(this.#room, { kind: 'download', download }, this.#now()).room;
  }

  /** This peer's clock against the leader, reported in its next heartbeats. */
  setClock(clock: ClockInfo | null): void {
    if (this.#controller) this.#room = roomStep(this.#room, { kind: 'clock', clock }, this.#now()).room;
  }

  leader(): LeaderInfo | null {
    return this.#leader;
  }

  isLeader(): boolean {
    return this.#leader?.peerId === this.init.self.peerId;
  }

  role(): Role {
    return roomRole(this.#room);
  }

  epoch(): number {
    return roomEpoch(this.#room);
  }

  members(): Member[] {
    return roomMembers(this.#room);
  }

  /** Dropped control input, by reason. */
  dropped(): Record<string, number> {
    return Object.fromEntries(this.#dropped);
  }

  #count(reason: string): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1);
  }

  #step(event: RoomEvent): void {
    const { room, effects } = roomStep(this.#room, event, this.#now());
    this.#room = room;
    for (const effect of effects) this.#apply(effect);
    if (effects.length > 0 || event.kind === 'rtt') this.events.emit('room:changed', undefined);
    this.#schedule();
  }

  #apply(effect: RoomEffect): void {
    switch (effect.kind) {
      case 'publish':
        void this.components.control
          .publish(sealControl(effect.msg, ++this.#seq))
          .catch(() => this.#count('publishFailed'));
        break;
      case 'leader': {
        const before = this.#leader;
        this.#leader = effect.leader;
        if (before?.peerId !== effect.leader?.peerId || before?.epoch !== effect.leader?.epoch) {
          this.#log(
            effect.leader ? `leader ${effect.leader.peerId} (epoch ${effect.leader.epoch})` : 'no leader',
          );
          this.events.emit('leader:changed', effect.leader);
          void this.#saveEpoch();
        }
        break;
      }
      case 'joined':
        this.#log(`joined: ${effect.member.name} (${effect.member.peerId})`);
        this.events.emit('member:joined', effect.member);
        break;
      case 'left':
        this.#log(`left (${effect.reason}): ${effect.member.name} (${effect.member.peerId})`);
        this.events.emit('member:left', { member: effect.member, reason: effect.reason });
        break;
      case 'drop':
        this.#count(effect.reason);
        break;
    }
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#controller) return;
    const wake = roomWakeMs(this.#room);
    if (wake === null) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        if (this.#controller) this.#step({ kind: 'tick' });
      },
      Math.max(0, wake - this.#now()),
    );
  }

  async #pingLoop(signal: AbortSignal): Promise<void> {
    const interval = this.init.pingIntervalMs ?? 2000;
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, interval).unref());
      for (const member of this.members()) {
        if (signal.aborted) return;
        try {
          const rttMs = await this.components.ping?.(member.peerId, {
            signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]),
          });
          if (rttMs !== undefined && !signal.aborted)
            this.#step({ kind: 'rtt', peerId: member.peerId, rttMs });
        } catch {
          // Not connected right now: membership times the peer out if it stays silent.
        }
      }
    }
  }

  async #loadEpoch(): Promise<number | null> {
    if (!this.#epochFile) return null;
    const text = await readFile(this.#epochFile, 'utf8').catch(() => null);
    const value = text === null ? NaN : Number(text.trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }

  async #saveEpoch(): Promise<void> {
    if (!this.#epochFile) return;
    const temp = `${this.#epochFile}.tmp`;
    await writeFile(temp, String(this.epoch()))
      .then(() => rename(temp, this.#epochFile as string))
      .catch(() => undefined);
  }
}
