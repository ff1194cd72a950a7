/** Launches headless Firefly peers for tests: temp data folders, port 0, and a wait on each ready line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ReadyInfo {
  peerId: string;
  name: string;
  addrs: string[];
  ui: string;
  /** The music folders it scans (the default music folder when none was given). */
  library: string[];
}

export interface TestPeer extends ReadyInfo {
  process: ChildProcess;
  dataDir: string;
  /** The peer's API token (from the token file in its data folder). */
  token: string;
  /** Everything the peer wrote to stdout and stderr. */
  output(): string;
  /** Stops the peer with SIGTERM (or kills it with `signal`); resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = path.resolve(import.meta.dirname, '..', '..');
const built = path.join(root, 'out', 'main', 'headless.js');
const source = path.join(root, 'src', 'main', 'headless.ts');

/**
 * The command that runs a peer: the sources through tsx, so a test never runs a stale build;
 * FIREFLY_PEER_BUILT=1 runs the built bundle (what ships) instead. `npm test` builds and then sets it:
 * through tsx a peer took 20.6–21.7 s to be ready at load average ~30 on the 2-core dev machine (and over
 * the 30 s ready timeout inside the three-window test), the bundle 5.0–5.8 s (3 launches each, one at a time).
 */
function peerCommand(): string[] {
  if (process.env.FIREFLY_PEER_BUILT !== '1') return ['--import', 'tsx', source];
  if (!existsSync(built))
    throw new Error('FIREFLY_PEER_BUILT=1 but out/main/headless.js is missing: run npm run build');
  return [built];
}

/** Each launched peer's API token by its UI address, so helpers given only `ui` can call its API. */
const tokens = new Map<string, string>();

/** The Authorization header for the peer serving `ui` (launched by this process). */
export function authHeaders(ui: string): Record<string, string> {
  const token = tokens.get(ui);
  if (!token) throw new Error(`no API token known for ${ui}: was it started with launchPeer?`);
  return { authorization: `Bearer ${token}` };
}

/**
 * Calls the API of the peer serving `ui` as a script would: with its token, and with a JSON
 * content type on every POST (the peer refuses state changes without one).
 */
export function apiFetch(
  ui: string,
  route: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  return fetch(`${ui}${route}`, {
    method,
    headers: {
      ...init.headers,
      ...authHeaders(ui),
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    ...(method === 'POST' ? { body: JSON.stringify(init.body ?? {}) } : {}),
  });
}

/**
 * How long a peer may take to print its ready line. From the built bundle it takes 5–6 s at load ~30 on the
 * 2-core machine and 21–22 s from sources; with three browsers playing beside it a start took over 30 s
 * (a room test's second peer, in a .ci/run that shared the machine with another). A peer that never
 * starts still fails, only later.
 */
const READY_TIMEOUT_MS = 60_000;

export interface LaunchOptions {
  name: string;
  args?: string[];
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/** Starts one peer from the built bundle and resolves once it printed its ready line. */
export async function launchPeer(options: LaunchOptions): Promise<TestPeer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), `firefly-${options.name}-`));
  const given = options.args ?? [];
  // Any port, on loopback, unless the test's own arguments say otherwise.
  const defaults = [
    ['--port', '0'],
    ['--host', '127.0.0.1'],
    ['--ui-port', '0'],
  ].filter(([flag]) => !given.includes(flag!));
  const args = [
    ...peerCommand(),
    ...['--name', options.name, '--data', dataDir, '--no-mdns'],
    ...defaults.flat(),
    ...given,
  ];
  const child = spawn(process.execPath, args, {
    // A home of its own: a peer given no --library shares the user's music folder, which a test must not find.
    env: {
      ...process.env,
      HOME: path.join(dataDir, 'home'),
      XDG_CONFIG_HOME: '',
      XDG_MUSIC_DIR: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<ReadyInfo>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${options.name} not ready after ${options.readyTimeoutMs ?? READY_TIMEOUT_MS} ms:\n${output}`,
          ),
        ),
      options.readyTimeoutMs ?? READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^firefly-peer ready (.*)$/m.exec(output);
      if (line?.[1]) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]) as ReadyInfo);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code} before it was ready:\n${output}`));
    });
  });
  let stopped: Promise<number | null> | null = null;
  const token = readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
  tokens.set(ready.ui, token);
  return {
    ...ready,
    process: child,
    dataDir,
    token,
    output: () => output,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return (stopped ??= exited);
    },
  };
}

/** Starts N peers in parallel; names are `peer-1` … `peer-N` unless given. */
export async function launchPeers(
  count: number,
  args: (index: number) => string[] = () => [],
): Promise<TestPeer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => launchPeer({ name: `peer-${i + 1}`, args: args(i) })),
  );
}

/** Stops every peer and removes its data folder. */
export async function stopPeers(peers: TestPeer[]): Promise<void> {
  await Promise.all(peers.map((p) => p.stop()));
  for (const p of peers) rmSync(p.dataDir, { recursive: true, force: true });
}
