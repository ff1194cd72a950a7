/**
 * The control API's routes: each is a bridge channel, so HTTP, WebSocket and IPC share validation
 * and handlers; a route only says which method and whether the JSON body is the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestChannel } from '../../shared/bridge/contract';
import { BridgeError, dispatchRequest, type BridgeHandlers } from '../../shared/bridge/dispatch';
import { ConfirmationRequiredError } from '../settings-guard';
import type { HttpAccess } from './access';
import { HttpError, readJson, sendJson } from './http-io';

/** One method of an API path, and the bridge channel it calls. */
export interface Route {
  method: 'GET' | 'POST';
  channel: RequestChannel;
  /** Whether the JSON body is the request (otherwise the request is empty). */
  body: boolean;
  /** Largest body accepted (default: the 64 KiB of `readJson`). */
  maxBodyBytes?: number;
}

/** The control API: each route is a bridge channel, so HTTP, WebSocket and IPC share validation and handlers. */
export const apiRoutes: Record<string, Route[]> = {
  '/api/status': [{ method: 'GET', channel: 'peer:status', body: false }],
  '/api/tracks': [{ method: 'GET', channel: 'library:list', body: false }],
  '/api/play': [{ method: 'POST', channel: 'playback:play', body: true }],
  '/api/pause': [{ method: 'POST', channel: 'playback:pause', body: false }],
  '/api/resume': [{ method: 'POST', channel: 'playback:resume', body: false }],
  '/api/stop': [{ method: 'POST', channel: 'playback:stop', body: false }],
  '/api/next': [{ method: 'POST', channel: 'playback:next', body: false }],
  '/api/prev': [{ method: 'POST', channel: 'playback:prev', body: false }],
  '/api/seek': [{ method: 'POST', channel: 'playback:seek', body: true }],
  '/api/state': [{ method: 'GET', channel: 'playback:state', body: false }],
  '/api/queue': [{ method: 'POST', channel: 'queue:enqueue', body: true }],
  '/api/queue/remove': [{ method: 'POST', channel: 'queue:remove', body: true }],
  '/api/queue/move': [{ method: 'POST', channel: 'queue:move', body: true }],
  '/api/queue/clear': [{ method: 'POST', channel: 'queue:clear', body: false }],
  '/api/queue/replace': [{ method: 'POST', channel: 'queue:replace', body: true }],
  '/api/shuffle': [{ method: 'POST', channel: 'playback:shuffle', body: true }],
  '/api/repeat': [{ method: 'POST', channel: 'playback:repeat', body: true }],
  '/api/crossfade': [{ method: 'POST', channel: 'playback:crossfade', body: true }],
  '/api/loudness': [{ method: 'POST', channel: 'playback:loudness', body: true }],
  '/api/devices': [{ method: 'GET', channel: 'devices:list', body: false }],
  '/api/volume': [{ method: 'POST', channel: 'volume:group', body: true }],
  '/api/playlists': [{ method: 'GET', channel: 'playlists:list', body: false }],
  '/api/playlists/save': [{ method: 'POST', channel: 'playlists:save', body: true }],
  '/api/playlists/delete': [{ method: 'POST', channel: 'playlists:delete', body: true }],
  '/api/playlists/play': [{ method: 'POST', channel: 'playlists:play', body: true }],
  // An M3U8 file's text travels in the body: more room than other requests need.
  '/api/playlists/import': [
    { method: 'POST', channel: 'playlists:import', body: true, maxBodyBytes: 1024 * 1024 },
  ],
  '/api/playlists/export': [{ method: 'POST', channel: 'playlists:export', body: true }],
  '/api/sources': [{ method: 'GET', channel: 'live:sources', body: false }],
  '/api/calibration': [
    { method: 'GET', channel: 'calibration:latest', body: false },
    { method: 'POST', channel: 'calibration:start', body: true },
  ],
  '/api/settings': [
    { method: 'GET', channel: 'settings:get', body: false },
    { method: 'POST', channel: 'settings:set', body: true },
  ],
  '/api/settings/pending': [{ method: 'GET', channel: 'settings:pending', body: false }],
  '/api/settings/confirm': [{ method: 'POST', channel: 'settings:confirm', body: true }],
  '/api/pairing': [{ method: 'GET', channel: 'pairing:state', body: false }],
  '/api/pairing/start': [{ method: 'POST', channel: 'pairing:start', body: false }],
  '/api/pairing/devices': [{ method: 'GET', channel: 'pairing:list', body: false }],
  '/api/pairing/revoke': [{ method: 'POST', channel: 'pairing:revoke', body: true }],
};

/** `POST /api/devices/{peerId}/settings`: the one route with a parameter, the peer id, passed in the request. */
const DEVICE_SETTINGS_PATH = /^\/api\/devices\/([A-Za-z0-9]{1,128})\/settings$/;
const deviceSettingsRoutes: Route[] = [{ method: 'POST', channel: 'devices:settings', body: true }];

/** Answers one `/api/…` request through the bridge handlers. */
export async function serveApi(
  c: { handlers: BridgeHandlers; access: HttpAccess },
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const device = DEVICE_SETTINGS_PATH.exec(pathname);
  const routes = device ? deviceSettingsRoutes : apiRoutes[pathname];
  if (!routes) throw new HttpError(404, `no such endpoint ${pathname}`);
  const route = routes.find((r) => r.method === req.method);
  if (!route)
    throw new HttpError(
      405,
      `${req.method} not allowed on ${pathname} (use ${routes.map((r) => r.method).join(' or ')})`,
    );
  const caller = c.access.authenticate(req);
  if (!caller) throw new HttpError(401, 'missing or invalid token (send Authorization: Bearer <token>)');
  const body = route.method === 'POST' ? await readJson(req, route.maxBodyBytes) : undefined;
  const payload =
    device && typeof body === 'object' && body !== null && !Array.isArray(body)
      ? { ...body, peerId: device[1] }
      : body;
  try {
    const value = await dispatchRequest(c.handlers, route.channel, route.body ? payload : undefined, caller);
    sendJson(res, 200, value ?? { ok: true });
  } catch (error) {
    if (error instanceof BridgeError) throw new HttpError(400, error.message);
    // A paired browser's sensitive change is accepted, not done: the device's user confirms it.
    if (error instanceof ConfirmationRequiredError)
      return sendJson(res, 202, { pending: error.confirmationId, message: error.message });
    throw error;
  }
}
