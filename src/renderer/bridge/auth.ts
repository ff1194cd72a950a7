/**
 * The API token this window uses: the one the page was served with (a browser on the device
 * itself), or the one this browser got by pairing (a phone), kept in its local storage. It goes in
 * an Authorization header or the WebSocket's subprotocol, never in a URL.
 */
const STORAGE_KEY = 'firefly-token';

/** The token this window carries, or null when it has none (a browser that must pair first). */
export function apiToken(): string | null {
  const served = document.querySelector<HTMLMetaElement>('meta[name="firefly-token"]')?.content;
  if (served) return served;
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Whether this page was served to a browser on the device itself (it came with the device's token). */
export function servedWithToken(): boolean {
  return !!document.querySelector('meta[name="firefly-token"]');
}

/** Keeps the token a pairing gave this browser. */
export function saveToken(token: string): void {
  localStorage.setItem(STORAGE_KEY, token);
}

/** Forgets a paired token the device no longer accepts. */
export function forgetToken(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage may be off (private mode); nothing kept, nothing to forget.
  }
}

/** Headers for an API request from this window. */
export function authHeaders(): Record<string, string> {
  const token = apiToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The WebSocket subprotocols that carry the token (browsers cannot set headers on a WebSocket). */
export function bridgeProtocols(): string[] {
  const token = apiToken();
  return token ? ['firefly', `firefly-token.${token}`] : ['firefly'];
}
