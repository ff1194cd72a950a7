/**
 * The API's credentials: the device's own session token (a file in the data folder, readable only
 * by its user) and the tokens of paired browsers, of which only SHA-256 hashes are stored.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PairedDevice } from '../../shared/bridge/payloads';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Name of the token file in the data folder. */
export const TOKEN_FILE = 'api-token';
const PAIRED_FILE = 'paired-devices.json';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;
/** How often a paired device's last use is written back at most. */
const LAST_USED_WRITE_MS = 60_000;

const newToken = (): string => randomBytes(32).toString('base64url');
const hashOf = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Whether a string has the shape of a token (so malformed input is refused before any lookup). */
export function isTokenShaped(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** Reads the device's session token from the data folder, making one (mode 0600) the first time. */
export async function loadOrCreateToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, TOKEN_FILE);
  const existing = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => null,
  );
  if (existing && isTokenShaped(existing)) return existing;
  await mkdir(dataDir, { recursive: true });
  const token = newToken();
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${token}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return token;
}

interface StoredDevice extends PairedDevice {
  tokenSha256: string;
}

/** Who a token belongs to. */
export type TokenOwner = { kind: 'local' } | { kind: 'remote'; device: PairedDevice };

/** The device's token and its paired browsers; checks a presented token in constant time. */
/** What the token store announces: a paired browser revoked (its open connections should close). */
export interface ApiTokensEvents {
  'device:revoked': { deviceId: string };
}

export class ApiTokens extends TypedEventTarget<ApiTokensEvents> {
  readonly #file: string;
  readonly #localHash: Buffer;
  #devices: StoredDevice[] = [];
  #writing: Promise<void> = Promise.resolve();
  readonly #lastWrite = new Map<string, number>();

  private constructor(
    dataDir: string,
    readonly localToken: string,
    log: Logger,
  ) {
    super(log);
    this.#file = path.join(dataDir, PAIRED_FILE);
    this.#localHash = hashOf(localToken);
  }

  /** Loads (or creates) the token file and the list of paired devices. */
  static async open(dataDir: string, logger: ComponentLogger = silentLogger): Promise<ApiTokens> {
    const tokens = new ApiTokens(
      dataDir,
      await loadOrCreateToken(dataDir),
      logger.forComponent('firefly:pairing'),
    );
    // A damaged list pairs nobody (browsers pair again) rather than stopping the peer.
    const saved = await readFile(tokens.#file, 'utf8').then(
      (text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return [];
        }
      },
      () => [],
    );
    if (Array.isArray(saved)) tokens.#devices = saved.filter(isStoredDevice);
    return tokens;
  }

  /** Who holds `token`, or null when it is nobody's. */
  owner(token: string): TokenOwner | null {
    if (!isTokenShaped(token)) return null;
    const hash = hashOf(token);
    if (timingSafeEqual(hash, this.#localHash)) return { kind: 'local' };
    const found = this.#devices.find((d) => timingSafeEqual(Buffer.from(d.tokenSha256, 'hex'), hash));
    if (!found) return null;
    this.#touch(found);
    return { kind: 'remote', device: publicView(found) };
  }

  /** Pairs a new browser: returns its token (shown to it once) and its entry. */
  async pair(name: string, address: string): Promise<{ token: string; device: PairedDevice }> {
    const token = newToken();
    const device: StoredDevice = {
      id: randomUUID(),
      name,
      address,
      createdAtMs: Date.now(),
      lastUsedAtMs: null,
      tokenSha256: hashOf(token).toString('hex'),
    };
    this.#devices.push(device);
    await this.#save();
    return { token, device: publicView(device) };
  }

  /** The paired browsers, oldest first. */
  list(): PairedDevice[] {
    return this.#devices.map(publicView);
  }

  /** Forgets a paired browser; its token stops working at once. Returns whether it was known. */
  async revoke(id: string): Promise<boolean> {
    const before = this.#devices.length;
    this.#devices = this.#devices.filter((d) => d.id !== id);
    if (this.#devices.length === before) return false;
    await this.#save();
    this.emit('device:revoked', { deviceId: id });
    return true;
  }

  #touch(device: StoredDevice): void {
    const now = Date.now();
    device.lastUsedAtMs = now;
    if (now - (this.#lastWrite.get(device.id) ?? 0) < LAST_USED_WRITE_MS) return;
    this.#lastWrite.set(device.id, now);
    void this.#save().catch(() => undefined);
  }

  #save(): Promise<void> {
    const snapshot = JSON.stringify(this.#devices, null, 2);
    this.#writing = this.#writing.then(async () => {
      const temp = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temp, snapshot, { mode: 0o600 });
      await rename(temp, this.#file);
    });
    return this.#writing;
  }
}

function publicView({ tokenSha256: _hash, ...device }: StoredDevice): PairedDevice {
  return { ...device };
}

function isStoredDevice(value: unknown): value is StoredDevice {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d.id === 'string' &&
    typeof d.name === 'string' &&
    typeof d.address === 'string' &&
    typeof d.createdAtMs === 'number' &&
    (d.lastUsedAtMs === null || typeof d.lastUsedAtMs === 'number') &&
    typeof d.tokenSha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(d.tokenSha256)
  );
}
