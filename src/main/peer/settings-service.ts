/** This device's settings as the bridge changes them: checked, saved, and passed on to the services they steer. */
import type { BridgeEvents } from '../../shared/bridge/contract';
import type { DeviceSettings } from '../../shared/bridge/payloads';
import type { Caller } from '../../shared/bridge/dispatch';
import type { TypedEventTarget } from '../../shared/events';
import type { PeerOptions } from '../cli/args';
import { LiveSourceError } from '../live/uri';
import { defaultMusicFolder } from '../music-folder';
import type { SettingsStore } from '../settings';
import {
  checkMusicFolder,
  ConfirmationRequiredError,
  InvalidSettingError,
  PendingConfirmations,
  settingsView,
  splitSensitive,
} from '../settings-guard';
import { outputKeys } from './device-list';
import type { Running } from './running';
import type { ComponentLogger, Logger } from '../../shared/logger';

/** What SettingsService works with. */
export interface SettingsServiceComponents {
  store: SettingsStore;
  options: Pick<PeerOptions, 'libraries' | 'sources'>;
  running(): Pick<Running, 'live' | 'library' | 'room' | 'devices'> | null;
  /** Rejoins with the saved settings (after the room passphrase changed). */
  restart(): Promise<unknown>;
  events: Pick<TypedEventTarget<BridgeEvents>, 'emit'>;
  statusChanged(): void;
  logger: ComponentLogger;
}

/** The flags given on the command line, which win over the saved settings for this run. */
export function flagOverrides(
  argv: readonly string[],
  options: Pick<PeerOptions, 'name' | 'priority' | 'room' | 'liveDelayMs'>,
): Partial<DeviceSettings> {
  const overrides: Partial<DeviceSettings> = {};
  if (argv.includes('--name') || argv.some((a) => a.startsWith('--name='))) overrides.name = options.name;
  if (argv.some((a) => a === '--priority' || a.startsWith('--priority=') || a === '--leader'))
    overrides.priority = options.priority;
  if (argv.some((a) => a === '--room' || a.startsWith('--room='))) overrides.roomPassphrase = options.room;
  if (argv.some((a) => a === '--live-delay-ms' || a.startsWith('--live-delay-ms=')))
    overrides.liveDelayMs = options.liveDelayMs;
  return overrides;
}

/** This device's settings before the user changed any: the flags' name, priority, room and live delay. */
export function defaultSettings(
  options: Pick<PeerOptions, 'name' | 'priority' | 'room' | 'liveDelayMs'>,
): DeviceSettings {
  return {
    name: options.name,
    priority: options.priority,
    volume: 1,
    muted: false,
    outputOffsetMs: 0,
    channel: 'stereo',
    libraries: [],
    roomPassphrase: options.room,
    theme: 'system',
    notifications: true,
    closeToTray: true,
    liveSources: [],
    liveDelayMs: options.liveDelayMs,
  };
}

/** Applies settings changes, holding back a paired browser's sensitive ones for the user's confirmation. */
export class SettingsService {
  readonly #confirmations: PendingConfirmations;
  readonly #log: Logger;

  constructor(private readonly components: SettingsServiceComponents) {
    this.#log = components.logger.forComponent('firefly:settings');
    this.#confirmations = new PendingConfirmations((list) =>
      components.events.emit('settings:pending', list),
    );
  }

  /** Changes waiting for the user's confirmation. */
  get confirmations(): PendingConfirmations {
    return this.#confirmations;
  }

  /** The folders scanned: those given with --library and in settings, else the user's music folder if any. */
  libraryFolders(settings: DeviceSettings): string[] {
    const chosen = [...new Set([...this.components.options.libraries, ...settings.libraries])];
    if (chosen.length > 0) return chosen;
    const found = defaultMusicFolder();
    return found ? [found] : [];
  }

  /** The music folders this peer scans, and whether they are the default (none was chosen). */
  musicFolders(): { folders: string[]; isDefault: boolean } {
    const settings = this.components.store.get();
    const isDefault = this.components.options.libraries.length === 0 && settings.libraries.length === 0;
    return { folders: this.libraryFolders(settings), isDefault };
  }

  /**
   * A paired browser's settings: the harmless ones apply at once; the room passphrase and the music
   * folders wait for the device's user (a stolen phone must not move the device into another room).
   */
  async remote(patch: Partial<DeviceSettings>, caller: Caller) {
    const { sensitive, rest } = splitSensitive(patch);
    if (Object.keys(sensitive).length === 0) return settingsView(await this.apply(patch));
    // Refuse a bad folder now, while the asker is there to read why.
    for (const folder of sensitive.libraries ?? []) await checkMusicFolder(folder);
    if (Object.keys(rest).length > 0) await this.apply(rest);
    const id = this.#confirmations.add(caller.deviceName ?? 'A paired browser', sensitive);
    throw new ConfirmationRequiredError(
      id,
      `${Object.keys(sensitive).join(' and ')} will change once confirmed on ${this.components.store.get().name}`,
    );
  }

  /** Checks, saves and applies a change of settings; resolves with the settings after it. */
  async apply(patch: Partial<DeviceSettings>): Promise<DeviceSettings> {
    const { store, options, events } = this.components;
    const before = store.get();
    if (patch.libraries !== undefined) {
      const added = patch.libraries.filter((folder) => !before.libraries.includes(folder));
      for (const folder of added) await checkMusicFolder(folder);
    }
    for (const uri of patch.liveSources ?? []) {
      try {
        this.components.running()?.live.check(uri);
      } catch (error) {
        if (error instanceof LiveSourceError) throw new InvalidSettingError(error.message);
        throw error;
      }
    }
    const next = await store.update(patch);
    if (patch.liveSources !== undefined || patch.liveDelayMs !== undefined)
      this.components.running()?.live.configure([...options.sources, ...next.liveSources], next.liveDelayMs);
    const running = this.components.running();
    if (patch.libraries !== undefined && running) {
      running.library.scanner.setFolders(this.libraryFolders(next));
      void running.library.scanner
        .scan()
        .catch((error: unknown) =>
          this.components.logger.forComponent('firefly:library')(`scan failed: ${(error as Error).message}`),
        );
    }
    if (patch.roomPassphrase !== undefined && patch.roomPassphrase !== before.roomPassphrase && running) {
      this.#log('room passphrase changed: joining the new room');
      await this.components.restart();
    }
    if (patch.name !== undefined || patch.priority !== undefined) {
      this.components.running()?.room.update({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
      });
    }
    events.emit('settings:changed', settingsView(next));
    if (outputKeys.some((key) => patch[key] !== undefined)) this.components.running()?.devices.announce();
    this.components.statusChanged();
    return next;
  }
}
