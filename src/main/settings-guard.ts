/**
 * The settings that can hurt: the room passphrase (it moves the device into another room) and the
 * music folders (the device shares whatever audio it finds there). A paired browser may ask for
 * them, but the device's own user confirms; folders must be real folders, never system ones.
 */
import { randomUUID } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, sep } from 'node:path';
import type { DeviceSettings, PendingConfirmation, SettingsView } from '../shared/bridge/payloads';

/** Settings a paired browser may change only with a confirmation on the device (a command source runs a program). */
export const SENSITIVE_SETTINGS = [
  'roomPassphrase',
  'libraries',
  'liveSources',
] as const satisfies ReadonlyArray<keyof DeviceSettings>;

/** Folders that hold the system, not music; refused as music folders, and so is anything inside them. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev', '/etc', '/boot', '/run', '/var/run', '/root/.ssh'];

/** The passphrase of the room every device joins until the user sets one. */
export const DEFAULT_ROOM_PASSPHRASE = 'firefly';

/** The settings as the API shows them (without the room passphrase). */
export function settingsView({ roomPassphrase, ...rest }: DeviceSettings): SettingsView {
  return { ...rest, roomPassphraseSet: roomPassphrase !== DEFAULT_ROOM_PASSPHRASE };
}

/** A setting that cannot be saved as given; the message says why, for the user. */
export class InvalidSettingError extends Error {
  override name = 'InvalidSettingError';
}

/** A change that waits for the device's user; `confirmationId` names it. */
export class ConfirmationRequiredError extends Error {
  override name = 'ConfirmationRequiredError';
  constructor(
    readonly confirmationId: string,
    message: string,
  ) {
    super(message);
  }
}

/** No pending change has that id (answered already, or never asked). */
export class UnknownConfirmationError extends Error {
  override name = 'UnknownConfirmationError';
}

/** Refuses a music folder that is not an absolute path to an existing folder outside the system's own. */
export async function checkMusicFolder(folder: string): Promise<void> {
  if (!isAbsolute(folder)) throw new InvalidSettingError(`Music folder "${folder}" is not a full path`);
  let real: string;
  try {
    // A link into /etc is /etc: judge where it leads.
    real = await realpath(folder);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InvalidSettingError(
      code === 'ENOENT'
        ? `Music folder "${folder}" does not exist`
        : `Music folder "${folder}" cannot be read (${code ?? String(error)})`,
    );
  }
  const system = SYSTEM_FOLDERS.find((root) => real === root || real.startsWith(root + sep));
  if (real === sep || system)
    throw new InvalidSettingError(
      `"${folder}" is a system folder${real !== folder ? ` (it leads to ${real})` : ''}, not a music folder`,
    );
  if (!(await stat(real)).isDirectory()) throw new InvalidSettingError(`"${folder}" is a file, not a folder`);
}

interface Pending extends PendingConfirmation {
  patch: Partial<DeviceSettings>;
}

/** How long a paired browser's request waits for the device's user. */
const PENDING_TTL_MS = 10 * 60_000;
/** At most this many waiting requests; the oldest goes first. */
const MAX_PENDING = 8;

/** Sensitive changes asked for by paired browsers, waiting for the device's user. */
export class PendingConfirmations {
  readonly #pending = new Map<string, Pending>();

  constructor(private readonly onChange: (list: PendingConfirmation[]) => void) {}

  /** Queues `patch` from `deviceName`; returns its id. */
  add(deviceName: string, patch: Partial<DeviceSettings>): string {
    this.#expire();
    const id = randomUUID();
    const summary = [
      patch.roomPassphrase !== undefined ? 'room passphrase' : null,
      patch.libraries !== undefined ? `music folders: ${patch.libraries.join(', ') || '(none)'}` : null,
    ]
      .filter(Boolean)
      .join('; ');
    this.#pending.set(id, { id, deviceName, summary, atMs: Date.now(), patch });
    while (this.#pending.size > MAX_PENDING)
      this.#pending.delete(this.#pending.keys().next().value as string);
    this.onChange(this.list());
    return id;
  }

  /** What waits, oldest first (without the values asked for). */
  list(): PendingConfirmation[] {
    this.#expire();
    return [...this.#pending.values()].map(({ patch: _patch, ...rest }) => rest);
  }

  /** Takes a waiting change out of the queue; throws when there is none with that id. */
  take(id: string): Partial<DeviceSettings> {
    this.#expire();
    const found = this.#pending.get(id);
    if (!found) throw new UnknownConfirmationError('no change with that id waits for a confirmation');
    this.#pending.delete(id);
    this.onChange(this.list());
    return found.patch;
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, p] of this.#pending) if (now - p.atMs > PENDING_TTL_MS) this.#pending.delete(id);
  }
}

/** Splits a patch into what a paired browser may change at once and what waits for a confirmation. */
export function splitSensitive(patch: Partial<DeviceSettings>): {
  sensitive: Partial<DeviceSettings>;
  rest: Partial<DeviceSettings>;
} {
  const sensitive: Partial<DeviceSettings> = {};
  const rest: Partial<DeviceSettings> = { ...patch };
  for (const key of SENSITIVE_SETTINGS) {
    if (patch[key] === undefined) continue;
    Object.assign(sensitive, { [key]: patch[key] });
    delete rest[key];
  }
  return { sensitive, rest };
}
