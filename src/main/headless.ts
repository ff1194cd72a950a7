/** The headless peer (`firefly-peer`, `npm run peer`): a Peer with a web UI, no desktop shell. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, usage, UsageError, type PeerOptions } from './cli/args';
import { startRepl } from './cli/repl';
import { WsBridge } from './bridge/ws-server';
import { HttpAccess } from './http/access';
import { loadOrCreateToken } from './http/api-tokens';
import { bindsBeyondLoopback } from './http/origin-policy';
import { HttpServer } from './http/server';
import { noiseCipher } from './net/noise-crypto';
import { pnetCipher } from './net/pnet';
import { Peer } from './peer';
import { componentLogger } from '../shared/logger';

/** How many of the newest network log entries `debug` shows. */
const DEBUG_NET_ENTRIES = 40;

/** Finds the built renderer: `out/renderer` at the project root, searched upward from this file. */
export function findRendererDir(start = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'out', 'renderer');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** A running headless peer and its UI server. */
export interface Headless {
  peer: Peer;
  server: HttpServer;
  bridge: WsBridge;
  stop(): Promise<void>;
}

/** Starts a headless peer with its HTTP/WebSocket server. */
export async function startHeadless(options: PeerOptions): Promise<Headless> {
  const peer = new Peer(options);
  await peer.start();
  const bridge = new WsBridge({
    handlers: peer.handlers,
    events: peer.events,
    onClients: (count) => peer.setSpeakers(count),
  });
  let port = 0;
  const access = new HttpAccess(peer.tokens, { bindHost: options.uiHost, port: () => port });
  const loggers = componentLogger((line) => process.stderr.write(`firefly-peer: ${line}\n`));
  const log = loggers.forComponent('firefly:pairing');
  const server = new HttpServer(
    {
      handlers: peer.handlers,
      bridge,
      access,
      tokens: peer.tokens,
      pairing: peer.pairing,
      media: (kind, id) => peer.media(kind, id),
      live: (sourceId, signal, codec) => peer.liveMedia(sourceId, signal, codec),
      logger: loggers,
    },
    { host: options.uiHost, port: options.uiPort, rendererDir: findRendererDir() },
  );
  try {
    await server.start();
    port = server.port;
  } catch (error) {
    await peer.stop();
    throw error;
  }
  peer.tokens.on('device:revoked', ({ deviceId }) => bridge.disconnectDevice(deviceId));
  // The pairing code goes to the device's own log and windows, never into status (which paired browsers read).
  peer.events.on('pairing:changed', (state) => {
    if (state.code && state.expiresAtMs)
      log(
        `pairing code ${state.code}${state.requestedBy ? ` for ${state.requestedBy}` : ''}, valid until ${new Date(state.expiresAtMs).toLocaleTimeString()}`,
      );
  });
  if (bindsBeyondLoopback(options.uiHost))
    loggers.forComponent('firefly:http')(
      `the web UI listens beyond this machine (${options.uiHost}): other devices must pair with a code first`,
    );
  let stopping: Promise<void> | null = null;
  return {
    peer,
    server,
    bridge,
    stop: () => (stopping ??= Promise.all([server.stop(), peer.stop()]).then(() => undefined)),
  };
}

/** Runs the `firefly-peer` command line: parse flags, start, print the ready line, stop on SIGINT/SIGTERM. */
export async function runCli(argv: string[]): Promise<void> {
  if (argv[0] === 'token') return printToken(argv.slice(1));
  let options: PeerOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`firefly-peer: ${error.message}\nRun with --help to see the flags.\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(usage());
    return;
  }
  let headless: Headless;
  try {
    headless = await startHeadless(options);
  } catch (error) {
    process.stderr.write(
      `firefly-peer: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  const { peerId, name, addrs } = headless.peer.identity();
  const music = headless.peer.musicFolders();
  if (music.isDefault)
    process.stderr.write(
      music.folders.length > 0
        ? `firefly-peer: sharing your music folder ${music.folders[0]} (choose others with --library DIR)\n`
        : 'firefly-peer: no music folder found (~/Music); add one with --library DIR or in Settings\n',
    );
  process.stdout.write(
    `firefly-peer ready ${JSON.stringify({ peerId, name, addrs, ui: headless.server.url, library: music.folders })}\n`,
  );

  const shutdown = (signal: string) => {
    process.stderr.write(`firefly-peer: ${signal}, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    headless.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  if (options.repl) {
    await startRepl(
      {
        handlers: headless.peer.handlers,
        debug: () => ({
          ui: headless.server.url,
          rejectedBridgeFrames: headless.bridge.rejected,
          // Windows dropped for not reading their events or not answering pings (#24).
          bridge: headless.bridge.stats(),
          // The data folder: "disk full: N MB needed" while downloads wait for space (#24).
          storage: headless.peer.status().storage ?? null,
          ciphers: { pnet: pnetCipher(), noise: noiseCipher() },
          net: headless.peer.netLog().slice(-DEBUG_NET_ENTRIES),
        }),
      },
      { input: process.stdin, output: process.stdout, prompt: process.stdin.isTTY === true },
    );
    shutdown('exit');
  }
}

/** `firefly-peer token [--data DIR]`: prints the API token of the peer using that data folder. */
async function printToken(argv: string[]): Promise<void> {
  let options: PeerOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`firefly-peer token: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  process.stdout.write(`${await loadOrCreateToken(options.dataDir)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void runCli(process.argv.slice(2));
}
