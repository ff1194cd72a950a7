/**
 * Downloads a live source's cover from the URL its metadata gives (#22: librespot's `COVERS`, such as
 * `https://i.scdn.co/image/…`), so the source peer can keep it like AirPlay's PICT and the room can
 * show it. Only https, at most `maxBytes` (the live cover limit), within `timeoutMs`, an answer of 200
 * with an `image/*` content type whose bytes are a JPEG, PNG, GIF, WebP or BMP (the type is read from
 * the bytes). Redirects are followed while they stay on https (3 at most). Anything else is a
 * CoverDownloadError saying why, for its caller to log and count; it never throws anything else.
 */
import { liveCoverLimits } from '../../shared/live/cover-wire';
import { sniffImageMime, type ImageMime } from '../../shared/swarm/chunk-wire';

/** Why a download failed (the counter's key). */
export type CoverDownloadFailure =
  'notHttps' | 'httpStatus' | 'notImage' | 'tooLarge' | 'timeout' | 'network';

/** A cover that could not be downloaded. */
export class CoverDownloadError extends Error {
  override readonly name = 'CoverDownloadError';
  constructor(
    readonly reason: CoverDownloadFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Options; each has a default. */
export interface CoverDownloadOptions {
  maxBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The fetch to use: the global one; tests pass one that routes the https URL to a local server. */
  fetch?: typeof fetch;
}

const MAX_REDIRECTS = 3;

/** The image at `url`; throws CoverDownloadError when it cannot be had. */
export async function downloadCover(
  url: string,
  options: CoverDownloadOptions = {},
): Promise<{ mime: ImageMime; bytes: Uint8Array }> {
  const maxBytes = options.maxBytes ?? liveCoverLimits.maxCoverBytes;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const get = options.fetch ?? fetch;
  try {
    let target = httpsUrl(url);
    for (let redirects = 0; ; redirects++) {
      const response = await get(target, { redirect: 'manual', signal, headers: { accept: 'image/*' } });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location && redirects < MAX_REDIRECTS) {
        await response.body?.cancel();
        target = httpsUrl(new URL(location, target).href);
        continue;
      }
      return await imageOf(response, maxBytes);
    }
  } catch (error) {
    if (error instanceof CoverDownloadError) throw error;
    if (timeout.aborted)
      throw new CoverDownloadError('timeout', `no cover from ${url} within the time limit`);
    throw new CoverDownloadError('network', `cannot get ${url}: ${describe(error)}`);
  }
}

/** `url` when it is an https URL; otherwise a `notHttps` error. */
function httpsUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CoverDownloadError('notHttps', `not a URL: ${url.slice(0, 200)}`);
  }
  if (parsed.protocol !== 'https:')
    throw new CoverDownloadError('notHttps', `not an https URL: ${url.slice(0, 200)}`);
  return parsed.href;
}

/** The image a response carries, read up to `maxBytes`. */
async function imageOf(
  response: Response,
  maxBytes: number,
): Promise<{ mime: ImageMime; bytes: Uint8Array }> {
  const fail = async (reason: CoverDownloadFailure, message: string): Promise<never> => {
    await response.body?.cancel().catch(() => undefined);
    throw new CoverDownloadError(reason, `${response.url || 'the cover'}: ${message}`);
  };
  if (response.status !== 200) return fail('httpStatus', `answered HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!/^image\//i.test(type)) return fail('notImage', `content type ${type.slice(0, 100) || 'missing'}`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes)
    return fail('tooLarge', `larger than ${maxBytes} bytes`);
  const parts: Uint8Array[] = [];
  let size = 0;
  if (response.body)
    for await (const part of response.body) {
      size += part.length;
      if (size > maxBytes) return fail('tooLarge', `larger than ${maxBytes} bytes`);
      parts.push(part);
    }
  const bytes = Buffer.concat(parts);
  const mime = sniffImageMime(bytes);
  if (!mime) return fail('notImage', 'not a JPEG, PNG, GIF, WebP or BMP image');
  return { mime, bytes: new Uint8Array(bytes) };
}

const describe = (error: unknown): string =>
  error instanceof Error
    ? `${error.message}${error.cause ? ` (${describe(error.cause)})` : ''}`
    : String(error);
