/**
 * This device's speakers as the room sees them: how many windows play here, told to the room (the
 * speaker flag, this device's output, the members a start waits for), and the room's devices and
 * speakers as this peer lists them. The Peer holds one and hands its parts to the bridge handlers,
 * the services' wiring and the status; kept apart so the composition root stays a composition root.
 */
import type { DeviceOutputInfo } from '../../shared/devices/output';
import type { RoomSpeaker } from '../calibration/calibration-service';
import { deviceList, roomSpeakers, type RoomDevices } from './device-list';
import type { Running } from './running';
import { SpeakerOutput } from './speaker-output';

/** What the local speakers need from the peer. */
export interface LocalSpeakersComponents {
  /** The running services, or null while the peer is stopped. */
  running(): Running | null;
  /** This device's settings now. */
  settings(): RoomDevices['settings'];
}

/** This device's speaker output, and the room's devices and speakers seen from here. */
export class LocalSpeakers {
  /** What this device's windows report: how many play, their state, their latest sync figure. */
  readonly output = new SpeakerOutput();

  constructor(private readonly c: LocalSpeakersComponents) {}

  /** Sets how many windows play here and tells the room (speaker flag, output, the start barrier's members). */
  setSpeakers(count: number): void {
    this.output.setSpeakers(count);
    this.c.running()?.room.setSpeaker(this.output.playing);
    this.outputChanged();
    this.c.running()?.playback.membersChanged();
  }

  /** Announces this device's output to the room again (its settings or its speaker changed). */
  outputChanged(): void {
    this.c.running()?.room.setOutput(this.output.output());
  }

  /** Every device's output, this one first; empty while stopped. */
  deviceList(): DeviceOutputInfo[] {
    const running = this.c.running();
    return running ? deviceList(this.#devices(running), running.devices) : [];
  }

  /** The room's speakers, this device first when a window plays here; empty while stopped. */
  roomSpeakers(): RoomSpeaker[] {
    const running = this.c.running();
    return running ? roomSpeakers(this.#devices(running), this.output.playing) : [];
  }

  #devices(running: Running): RoomDevices {
    return { selfId: running.node.peerId, settings: this.c.settings(), room: running.room };
  }
}
