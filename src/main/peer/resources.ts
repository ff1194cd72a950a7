/**
 * What a peer's start opens before its services are wired (`peer.ts` starts and stops them, `wire.ts`
 * wires them): the data folder, made and locked once for the peer's life; the API tokens, opened once;
 * the settings with the command line's overrides; the room from its passphrase; a fresh storage
 * monitor (the previous one stopped); the library; and the libp2p node.
 */
import { mkdir } from 'node:fs/promises';
import type { ComponentLogger } from '../../shared/logger';
import type { PeerOptions } from '../cli/args';
import { lockDataFolder } from '../data-lock';
import { ApiTokens } from '../http/api-tokens';
import { openLibrary } from '../library';
import { StorageHealth } from '../library/storage-health';
import { createPeerNode } from '../net/node';
import { deriveRoom } from '../net/room';
import type { SettingsStore } from '../settings';
import { flagOverrides, type SettingsService } from './settings-service';
import type { StartedParts } from './wire';

/** What the resources are opened with. */
export interface PeerResourceParts {
  options: PeerOptions;
  settings: SettingsStore;
  settingsService: Pick<SettingsService, 'libraryFolders'>;
  loggers: ComponentLogger;
  /** Bytes the running downloads still need (what the storage monitor reports as needed). */
  neededBytes(): number;
  /** The storage monitor's state changed. */
  storageChanged(): void;
}

/** The data folder's lock, the API tokens and the storage monitor, kept across restarts. */
export class PeerResources {
  #lock: { release(): Promise<void> } | null = null;
  #tokens: ApiTokens | null = null;
  #storage: StorageHealth | null = null;

  constructor(private readonly parts: PeerResourceParts) {}

  /** The API tokens, once a start opened them. */
  get tokens(): ApiTokens | null {
    return this.#tokens;
  }

  /** The storage monitor of the last start. */
  get storage(): StorageHealth | null {
    return this.#storage;
  }

  /** Opens what a start needs; the caller stops the node and the library if wiring them fails. */
  async open(): Promise<StartedParts> {
    const { options, loggers } = this.parts;
    await mkdir(options.dataDir, { recursive: true });
    this.#lock ??= await lockDataFolder(options.dataDir);
    this.#tokens ??= await ApiTokens.open(options.dataDir, loggers);
    const settings = await this.parts.settings.load(flagOverrides(process.argv, options));
    const room = await deriveRoom(settings.roomPassphrase);
    this.#storage?.stop();
    const storage = new StorageHealth({
      dir: options.dataDir,
      neededBytes: () => this.parts.neededBytes(),
      logger: loggers,
    });
    this.#storage = storage;
    storage.start();
    storage.on('storage:changed', () => this.parts.storageChanged());
    const library = await openLibrary({
      dataDir: options.dataDir,
      folders: this.parts.settingsService.libraryFolders(settings),
      logger: loggers,
      storage,
    });
    const node = await createPeerNode({
      room,
      dataDir: options.dataDir,
      port: options.port,
      listenHost: options.listenHost,
      bootstrap: options.bootstrap,
      announce: options.announce,
      mdns: options.mdns,
      logger: loggers,
    });
    return { node, room, library, storage, settings };
  }

  /** Releases the data folder (the peer's final stop). */
  async release(): Promise<void> {
    await this.#lock?.release();
  }
}
