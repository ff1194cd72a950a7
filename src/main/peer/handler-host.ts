/** What the bridge's handlers reach of the peer: its services and the few calls the composition root makes. */
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { RoomTrack } from '../../shared/bridge/payloads';
import type { DeviceOutputInfo } from '../../shared/devices/output';
import type { PlaybackCommand } from '../../shared/playback/state';
import type { PeerStatus } from '../../shared/status';
import type { TypedEventTarget } from '../../shared/events';
import type { SkewedTimeSource } from '../clock/time-source';
import type { ApiTokens } from '../http/api-tokens';
import type { Pairing } from '../http/pairing';
import type { SettingsStore } from '../settings';
import type { LiveWatch } from './live-watch';
import type { Running } from './running';
import type { SettingsService } from './settings-service';
import type { SpeakerOutput } from './speaker-output';

/** The peer as its bridge handlers see it. */
export interface HandlerHost {
  identity(): { peerId: string; name: string };
  status(): PeerStatus;
  readonly time: SkewedTimeSource;
  running(): Running | null;
  /** The running services, or NotAvailableError. */
  require(): Running;
  tracks(): RoomTrack[];
  command(command: PlaybackCommand): Promise<void>;
  readonly liveWatch: LiveWatch;
  readonly speaker: SpeakerOutput;
  /** Tells the room what this device's speaker does now. */
  outputChanged(): void;
  statusChanged(): void;
  deviceList(): DeviceOutputInfo[];
  readonly settingsService: SettingsService;
  readonly settings: SettingsStore;
  readonly pairing: Pairing;
  /** The API's tokens (NotAvailableError before the peer started). */
  tokens(): ApiTokens;
  readonly events: TypedEventTarget<BridgeEvents>;
}
