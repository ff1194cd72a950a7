/**
 * Which requests the peer's HTTP server accepts by their Host, Origin and Fetch Metadata headers.
 *
 * A local server is reachable from every web page the user opens: a page on another local port
 * can send requests to it, and a public site whose name is rebound to 127.0.0.1 (DNS rebinding)
 * even reads the answers as same-origin. The Host header defeats rebinding (the browser sends the
 * attacker's name), the Origin header defeats cross-origin writes and WebSockets (which CORS does
 * not cover), and `Sec-Fetch-Site` defeats no-cors reads of media by a page of the same site on
 * another port. Clients that are not browsers send none of Origin and Sec-Fetch-Site; they must
 * still name an accepted host, and carry the token like everyone else.
 */
import os from 'node:os';

/** The names and port the server answers to. */
export interface ServedHosts {
  /** Lower-case host names and IP literals (IPv6 in brackets), without port. */
  names: ReadonlySet<string>;
  port: number;
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Whether an address (as the socket reports it) is this machine's loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/** Whether a bind address listens beyond loopback (a phone on the LAN can reach it). */
export function bindsBeyondLoopback(bindHost: string): boolean {
  return !isLoopbackAddress(bindHost) && bindHost !== 'localhost';
}

/**
 * The host names a server bound to `bindHost` answers to: loopback names always; the bound
 * address itself; for a wildcard bind, every address of this machine's interfaces and its host
 * name (plain and `.local`, as mDNS announces it).
 */
export function servedHostNames(
  bindHost: string,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
  hostName: string = os.hostname(),
): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const add = (address: string) => names.add(address.includes(':') ? `[${address.toLowerCase()}]` : address);
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '';
  if (!wildcard) add(bindHost);
  else {
    for (const list of Object.values(interfaces))
      for (const info of list ?? []) if (!info.address.startsWith('fe80:')) add(info.address);
    if (hostName) {
      names.add(hostName.toLowerCase());
      names.add(`${hostName.toLowerCase()}.local`);
    }
  }
  return names;
}

/** Splits a Host header value into a lower-case name and a port (80 when absent); null when malformed. */
export function parseHostHeader(value: string): { name: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match?.[1]) return null;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port > 65535) return null;
  return { name: match[1].toLowerCase().replace(/\.$/, ''), port };
}

/** Whether `host:port` is one the server answers to. */
function isServedHost(value: string, hosts: ServedHosts): boolean {
  const parsed = parseHostHeader(value);
  return parsed !== null && parsed.port === hosts.port && hosts.names.has(parsed.name);
}

/** Judges one request by its Host, Origin and Sec-Fetch-Site headers. */
export function checkOrigin(
  headers: { host?: string | undefined; origin?: string | undefined; secFetchSite?: string | undefined },
  hosts: ServedHosts,
): OriginVerdict {
  if (!headers.host || !isServedHost(headers.host, hosts))
    return { ok: false, reason: `host ${JSON.stringify(headers.host ?? '')} is not this peer` };
  if (headers.origin !== undefined) {
    let origin: URL | null = null;
    try {
      origin = headers.origin === 'null' ? null : new URL(headers.origin);
    } catch {
      origin = null;
    }
    if (
      !origin ||
      (origin.protocol !== 'http:' && origin.protocol !== 'https:') ||
      origin.pathname !== '/' ||
      !isServedHost(
        origin.port ? origin.host : `${origin.hostname}:${origin.protocol === 'https:' ? 443 : 80}`,
        hosts,
      )
    )
      return { ok: false, reason: `origin ${headers.origin} may not use this peer` };
  }
  // Fetch Metadata: a browser says where a request comes from even when it sends no Origin (no-cors GETs).
  const site = headers.secFetchSite;
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return { ok: false, reason: `a ${site} request may not use this peer` };
  return { ok: true };
}
