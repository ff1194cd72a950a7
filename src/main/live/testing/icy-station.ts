/**
 * A radio station for tests: a local HTTP server that streams a file over and over in real time
 * (`bytesPerSec`), with ICY metadata every `metaInt` bytes when the client asks for it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A metadata block as a server sends it: length byte (× 16), the text, NUL padding. */
export function icyBlock(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const length = Math.ceil(bytes.length / 16);
  const out = new Uint8Array(1 + length * 16);
  out[0] = length;
  out.set(bytes, 1);
  return out;
}

/** Options of the station. */
export interface StationInit {
  file: Uint8Array;
  contentType?: string;
  metaInt?: number;
  bytesPerSec: number;
  /** The StreamTitle sent in the n-th block (cycles). */
  titles: string[];
  /** Ends each connection after this many bytes of audio (to test reconnecting). */
  endAfterBytes?: number;
  /** Answers this status instead of streaming. */
  status?: number;
}

/** A running station: its URL, how many connections it has had, and how to stop it. */
export interface Station {
  url: string;
  connections: number;
  close(): Promise<void>;
}

export async function startStation(init: StationInit): Promise<Station> {
  const metaInt = init.metaInt ?? 8192;
  const station: Station = { url: '', connections: 0, close: async () => undefined };
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    station.connections++;
    if (init.status) return void res.writeHead(init.status).end('no');
    const icy = req.headers['icy-metadata'] === '1';
    res.writeHead(200, {
      'content-type': init.contentType ?? 'audio/mpeg',
      ...(icy ? { 'icy-metaint': String(metaInt) } : {}),
    });
    let filePos = 0;
    let sinceMeta = 0;
    let sent = 0;
    let block = 0;
    const slice = Math.max(1, Math.round(init.bytesPerSec / 20));
    const tick = () => {
      if (init.endAfterBytes !== undefined && sent >= init.endAfterBytes) return void res.end();
      let left = slice;
      while (left > 0) {
        const n = Math.min(left, init.file.length - filePos, icy ? metaInt - sinceMeta : Infinity);
        res.write(init.file.subarray(filePos, filePos + n));
        filePos = (filePos + n) % init.file.length;
        sinceMeta += n;
        sent += n;
        left -= n;
        if (icy && sinceMeta === metaInt) {
          sinceMeta = 0;
          res.write(icyBlock(`StreamTitle='${init.titles[block++ % init.titles.length] ?? ''}';`));
        }
      }
      if (timer) timers.delete(timer);
      timer = setTimeout(tick, 50);
      timers.add(timer);
    };
    let timer: NodeJS.Timeout | null = null;
    res.once('close', () => {
      if (timer) clearTimeout(timer);
      if (timer) timers.delete(timer);
    });
    tick();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  station.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
  station.close = async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return station;
}
