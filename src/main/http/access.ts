/**
 * Who may use the headless peer's HTTP server, request by request: the origin policy first (every
 * route, the WebSocket upgrade too), then a token for everything but the app's static files and
 * the pairing routes. A token arrives as `Authorization: Bearer …`; a WebSocket, which cannot set
 * headers, offers it as a subprotocol; media (cover images, which the page loads with `<img>`)
 * may instead carry the session cookie the page was served with.
 */
import type { IncomingMessage } from 'node:http';
import type { Caller } from '../../shared/bridge/dispatch';
import type { ApiTokens } from './api-tokens';
import { checkOrigin, isLoopbackAddress, servedHostNames, type OriginVerdict } from './origin-policy';

/** The WebSocket subprotocol the UI speaks; the token rides in a second one, `firefly-token.<token>`. */
export const BRIDGE_PROTOCOL = 'firefly';
const TOKEN_PROTOCOL_PREFIX = 'firefly-token.';
/** Name of the HttpOnly cookie that lets `<img>` and media elements load media. */
export const MEDIA_COOKIE = 'firefly_media';

/** The `set-cookie` value that gives a browser `token` for `/media/` (a session cookie without `maxAgeSec`). */
export function mediaCookie(token: string, maxAgeSec?: number): string {
  return `${MEDIA_COOKIE}=${token}; Path=/media/; HttpOnly; SameSite=Strict${maxAgeSec ? `; Max-Age=${maxAgeSec}` : ''}`;
}

/** How long the served host names are cached (interfaces change rarely; DHCP may change them). */
const HOSTS_TTL_MS = 10_000;

export interface AccessInit {
  bindHost: string;
  /** The port the server listens on (known once it listens). */
  port(): number;
}

/** Origin checks and authentication for one HTTP server. */
export class HttpAccess {
  #names: { at: number; set: Set<string> } | null = null;

  constructor(
    private readonly tokens: ApiTokens,
    private readonly init: AccessInit,
  ) {}

  /** Judges a request's Host, Origin and Fetch Metadata. */
  checkOrigin(req: IncomingMessage): OriginVerdict {
    const now = Date.now();
    if (!this.#names || now - this.#names.at > HOSTS_TTL_MS)
      this.#names = { at: now, set: servedHostNames(this.init.bindHost) };
    return checkOrigin(
      {
        host: req.headers.host,
        origin: header(req, 'origin'),
        secFetchSite: header(req, 'sec-fetch-site'),
      },
      { names: this.#names.set, port: this.init.port() },
    );
  }

  /** The caller a request's bearer token (or, for media, cookie) names; null without a valid one. */
  authenticate(req: IncomingMessage, { allowCookie = false } = {}): Caller | null {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
    const fromProtocol = this.#protocolToken(req);
    const fromCookie = allowCookie ? cookie(req, MEDIA_COOKIE) : undefined;
    const token = bearer ?? fromProtocol ?? fromCookie;
    if (!token) return null;
    const owner = this.tokens.owner(token);
    if (!owner) return null;
    return owner.kind === 'local'
      ? { kind: 'local' }
      : { kind: 'remote', deviceId: owner.device.id, deviceName: owner.device.name };
  }

  /** The device's own token for a page served to a browser on this machine; null for anyone else. */
  pageToken(req: IncomingMessage): string | null {
    return isLoopbackAddress(req.socket.remoteAddress) ? this.tokens.localToken : null;
  }

  /** Whether the client connects from this machine. */
  isLocalClient(req: IncomingMessage): boolean {
    return isLoopbackAddress(req.socket.remoteAddress);
  }

  #protocolToken(req: IncomingMessage): string | undefined {
    const offered = header(req, 'sec-websocket-protocol');
    if (!offered) return undefined;
    const entry = offered
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    return entry?.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
