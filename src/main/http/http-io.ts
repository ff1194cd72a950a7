/**
 * Reading requests and writing answers for the HTTP server: the decoded path, one header, a JSON
 * body (size-limited, UTF-8, JSON content type only), a JSON answer, and the answer to a failure,
 * with the HTTP status of each error the peer raises on purpose.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../shared/logger';

const MAX_BODY_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** HTTP status for each error the peer raises on purpose. */
const errorStatus: Record<string, number> = {
  PlaybackCommandError: 409,
  PlaybackNoLeaderError: 503,
  PlaybackTimeoutError: 504,
  PlaybackNotRunningError: 503,
  NotAvailableError: 503,
  TrackNotFoundError: 404,
  ChunkUnavailableError: 409,
  InvalidSettingError: 422,
  DeviceSettingsError: 422,
  DeviceTimeoutError: 504,
  // No window with a microphone took a calibration; a request naming no speaker in the room (#23).
  NoMicrophoneError: 409,
  CalibrationRequestError: 422,
  PlaylistNotFoundError: 404,
  LocalOnlyError: 403,
  UnknownConfirmationError: 404,
  // The data folder cannot take the track's chunks: "disk full: N MB needed" (#24).
  StorageError: 507,
};

/** An error whose message is safe to show a client, with the HTTP status it maps to. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The request's decoded path; null when its escapes are malformed. */
export function pathOf(req: IncomingMessage): string | null {
  try {
    return decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return null;
  }
}

/** The first value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
/** The request's JSON body (undefined when empty); an HttpError when it is not acceptable. */
export async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  // A JSON content type makes every cross-origin write a CORS request with a preflight, never a "simple" one.
  const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, 'send the request with Content-Type: application/json');
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    const onData = (part: Buffer) => {
      size += part.length;
      if (size <= maxBytes) return void parts.push(part);
      // Read the rest into nothing (no early destroy), so the client gets this answer, not a reset.
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, `request body over ${maxBytes} bytes`, { connection: 'close' }));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(parts)));
    req.once('error', reject);
  });
  let text: string;
  try {
    text = utf8.decode(bytes).trim();
  } catch {
    throw new HttpError(400, 'request body is not valid UTF-8');
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** Answers with `body` as JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers a failed request; only an unexpected failure (a 500) is logged, without its stack. */
export function sendError(res: ServerResponse, error: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message }, error.headers);
  // Failures the peer expects (no leader yet, a refused command): a 4xx/5xx with the message, never the stack.
  const status = error instanceof Error ? errorStatus[error.name] : undefined;
  if (status) return sendJson(res, status, { error: (error as Error).message });
  sendJson(res, 500, { error: 'internal error' });
  log.warn(`request failed: ${error instanceof Error ? error.message : String(error)}`);
}
