import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiTokens, loadOrCreateToken, TOKEN_FILE } from './api-tokens';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'firefly-tokens-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('API tokens', () => {
  it('makes the device token once, readable only by its user, and keeps it', async () => {
    const token = await loadOrCreateToken(dir);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(path.join(dir, TOKEN_FILE))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateToken(dir)).toBe(token);
    // A damaged file is replaced, not trusted.
    await writeFile(path.join(dir, TOKEN_FILE), 'short\n');
    expect(await loadOrCreateToken(dir)).not.toBe('short');
  });

  it('knows the device token and paired tokens, and forgets a revoked one at once', async () => {
    const tokens = await ApiTokens.open(dir);
    expect(tokens.owner(tokens.localToken)).toEqual({ kind: 'local' });
    const { token, device } = await tokens.pair('Phone', '10.0.0.2');
    expect(tokens.owner(token)).toMatchObject({ kind: 'remote', device: { id: device.id, name: 'Phone' } });
    // One character changed (to another one: a token ending in A, 1 in 64, failed a CI run when "changed" to A).
    expect(tokens.owner(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(tokens.owner('')).toBeNull();
    expect(tokens.owner('a'.repeat(500))).toBeNull();

    // Paired devices survive a restart; only a hash of their token is on disk.
    const reopened = await ApiTokens.open(dir);
    expect(reopened.owner(token)?.kind).toBe('remote');
    expect(await readFile(path.join(dir, 'paired-devices.json'), 'utf8')).not.toContain(token);

    const revoked: string[] = [];
    reopened.on('device:revoked', ({ deviceId }) => revoked.push(deviceId));
    expect(await reopened.revoke(device.id)).toBe(true);
    expect(revoked).toEqual([device.id]);
    expect(reopened.owner(token)).toBeNull();
    expect(await reopened.revoke(device.id)).toBe(false);
    expect((await ApiTokens.open(dir)).list()).toEqual([]);
  });

  it('ignores a damaged list of paired devices', async () => {
    await writeFile(path.join(dir, 'paired-devices.json'), '[{"id": 1}, "x", {"id":"a","name":"b"}]');
    expect((await ApiTokens.open(dir)).list()).toEqual([]);
    await writeFile(path.join(dir, 'paired-devices.json'), 'not json');
    await expect(ApiTokens.open(dir)).resolves.toBeDefined();
  });
});
