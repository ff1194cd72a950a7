/**
 * Pairing a new browser: `POST /api/pair/request` opens a code on the device, `POST /api/pair`
 * with that code issues the browser a token (and its media cookie). The only API routes open
 * without a token, and rate-limited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComponentLogger } from '../../shared/logger';
import { mediaCookie } from './access';
import type { ApiTokens } from './api-tokens';
import { HttpError, readJson, sendJson } from './http-io';
import type { Pairing } from './pairing';

/** How long a paired browser's media cookie lasts (its token lasts until revoked; the UI renews the cookie). */
const MEDIA_COOKIE_MAX_AGE_SEC = 365 * 24 * 3600;

/** Answers one `/api/pair…` request. */
export async function servePairing(
  c: { pairing: Pairing; tokens: ApiTokens; logger?: ComponentLogger },
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed on ${pathname} (use POST)`);
  const body = await readJson(req);
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const address = req.socket.remoteAddress ?? 'unknown';
  const name = deviceName(fields.name);
  const { pairing, tokens } = c;
  if (pathname === '/api/pair/request') {
    const opened = pairing.open(`${name} (${address})`, address);
    if (!opened) throw new HttpError(429, 'asked too often; wait a few seconds', { 'retry-after': '3' });
    return sendJson(res, 200, { ok: true, expiresAtMs: opened.expiresAtMs });
  }
  if (pathname !== '/api/pair') throw new HttpError(404, `no such endpoint ${pathname}`);
  const code = typeof fields.code === 'string' ? fields.code.trim() : '';
  if (!/^\d{6}$/.test(code)) throw new HttpError(400, 'code: six digits expected');
  const attempt = pairing.attempt(code, address);
  if (!attempt.ok) {
    if (attempt.reason === 'locked') {
      const seconds = Math.ceil(attempt.retryAfterMs / 1000);
      throw new HttpError(429, `too many wrong codes; try again in ${seconds} s`, {
        'retry-after': String(seconds),
      });
    }
    throw new HttpError(
      403,
      attempt.reason === 'wrong' ? 'wrong code' : 'no pairing code is open on the device: ask for a new one',
    );
  }
  const { token, device } = await tokens.pair(name, address);
  c.logger?.forComponent('firefly:pairing')(`paired ${device.name} (${address})`);
  res.setHeader('set-cookie', mediaCookie(token, MEDIA_COOKIE_MAX_AGE_SEC));
  sendJson(res, 200, { token, deviceId: device.id });
}

/** A paired browser's name as given, cleaned for lists and logs. */
function deviceName(value: unknown): string {
  const text = typeof value === 'string' ? value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim() : '';
  return text.isWellFormed() && text.length > 0 ? text.slice(0, 64) : 'Browser';
}
