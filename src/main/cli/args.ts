/** Command-line flags of the headless peer (`firefly-peer`), parsed strictly: an unknown flag or bad value is an error. */
import os from 'node:os';
import path from 'node:path';

export interface PeerOptions {
  name: string;
  libraries: string[];
  dataDir: string;
  port: number;
  listenHost: string;
  bootstrap: string[];
  /** Multiaddrs other peers dial to reach this one (`--announce`, repeatable); empty: the listening ones. */
  announce: string[];
  room: string;
  priority: number;
  mdns: boolean;
  uiPort: number;
  uiHost: string;
  repl: boolean;
  clockOffsetMs: number;
  clockSkewPpm: number;
  /** Live sources this peer reads (`--source`, repeatable). */
  sources: string[];
  /** How far ahead of reading it live PCM is heard (`--live-delay-ms`). */
  liveDelayMs: number;
  help: boolean;
}

/** Raised for a flag the peer does not know or a value it cannot use; the CLI prints it and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Kind = 'string' | 'strings' | 'port' | 'int' | 'number' | 'flag';

interface FlagSpec {
  key: keyof PeerOptions;
  kind: Kind;
  value?: string;
  help: string;
  min?: number;
  max?: number;
}

const flags: Record<string, FlagSpec> = {
  '--name': {
    key: 'name',
    kind: 'string',
    value: 'NAME',
    help: 'device name shown to other peers (default: host name)',
  },
  '--library': { key: 'libraries', kind: 'strings', value: 'DIR', help: 'music folder to scan (repeatable)' },
  '--data': {
    key: 'dataDir',
    kind: 'string',
    value: 'DIR',
    help: 'data folder (identity, index, chunk cache)',
  },
  '--port': { key: 'port', kind: 'port', value: 'N', help: 'libp2p TCP port (0 = any free port; default 0)' },
  '--host': {
    key: 'listenHost',
    kind: 'string',
    value: 'ADDR',
    help: 'address libp2p listens on (default 0.0.0.0)',
  },
  '--bootstrap': {
    key: 'bootstrap',
    kind: 'strings',
    value: 'ADDR',
    help: 'peer to dial: host:port or a multiaddr (repeatable)',
  },
  '--announce': {
    key: 'announce',
    kind: 'strings',
    value: 'MULTIADDR',
    help: 'address other peers dial to reach this one, e.g. behind port forwarding (repeatable; default: the listening ones)',
  },
  '--room': {
    key: 'room',
    kind: 'string',
    value: 'PASSPHRASE',
    help: 'room passphrase; peers with another one never connect',
  },
  '--priority': {
    key: 'priority',
    kind: 'int',
    value: 'N',
    help: 'leader priority, higher wins elections (default 0)',
    min: 0,
    max: 1000,
  },
  '--leader': { key: 'priority', kind: 'flag', help: 'prefer this peer as leader (same as --priority 100)' },
  '--no-mdns': { key: 'mdns', kind: 'flag', help: 'do not discover peers by mDNS (use --bootstrap)' },
  '--ui-port': {
    key: 'uiPort',
    kind: 'port',
    value: 'N',
    help: 'HTTP + WebSocket port of the web UI and API (0 = any; default 8081)',
  },
  '--ui-host': {
    key: 'uiHost',
    kind: 'string',
    value: 'ADDR',
    help: 'address the web UI binds to (default 127.0.0.1)',
  },
  '--repl': { key: 'repl', kind: 'flag', help: 'interactive command line (type help)' },
  '--clock-offset-ms': {
    key: 'clockOffsetMs',
    kind: 'number',
    value: 'N',
    help: "shift this peer's clock by N ms (tests, demos)",
    min: -86_400_000,
    max: 86_400_000,
  },
  '--clock-skew-ppm': {
    key: 'clockSkewPpm',
    kind: 'number',
    value: 'N',
    help: "skew this peer's clock by N parts per million",
    min: -10_000,
    max: 10_000,
  },
  '--source': {
    key: 'sources',
    kind: 'strings',
    value: 'URI',
    help: 'live source: pipe:///fifo?name=…&format=s16le:48000:2, command:///prog?args=…&name=…, airplay or spotify (repeatable)',
  },
  '--live-delay-ms': {
    key: 'liveDelayMs',
    kind: 'int',
    value: 'N',
    help: 'live sources are heard N ms after this peer reads them (default 300)',
    min: 50,
    max: 5000,
  },
  '--help': { key: 'help', kind: 'flag', help: 'print this help' },
};

/** The priority `--leader` gives a peer, as the seed CLI's leader flag did. */
export const LEADER_PRIORITY = 100;

/** Default values, resolved against the environment. */
export function defaultOptions(env: NodeJS.ProcessEnv = process.env): PeerOptions {
  const dataHome = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return {
    name: os.hostname(),
    libraries: [],
    dataDir: path.join(dataHome, 'firefly-peer'),
    port: 0,
    listenHost: '0.0.0.0',
    bootstrap: [],
    announce: [],
    room: 'firefly',
    priority: 0,
    mdns: true,
    uiPort: 8081,
    uiHost: '127.0.0.1',
    repl: false,
    clockOffsetMs: 0,
    clockSkewPpm: 0,
    sources: [],
    liveDelayMs: 300,
    help: false,
  };
}

function parseNumber(flag: string, spec: FlagSpec, raw: string): number {
  const value = Number(raw);
  const integer = spec.kind !== 'number';
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  const min = spec.kind === 'port' ? 0 : (spec.min ?? -Infinity);
  const max = spec.kind === 'port' ? 65535 : (spec.max ?? Infinity);
  if (value < min || value > max)
    throw new UsageError(`${flag} must be between ${min} and ${max}, got ${raw}`);
  return value;
}

/** Parses argv (without node and script) into options; throws UsageError on anything it does not understand. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PeerOptions {
  const options = defaultOptions(env);
  const seen = new Set<string>();
  const lists: Partial<Record<keyof PeerOptions, string[]>> = {};
  let dataGiven = false;
  let leader = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = flags[flag];
    if (!spec) {
      throw new UsageError(arg.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument "${arg}"`);
    }
    if (spec.kind === 'flag') {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      if (flag === '--leader') leader = true;
      else if (flag === '--no-mdns') options.mdns = false;
      else (options[spec.key] as boolean) = true;
      continue;
    }
    let raw: string | undefined;
    if (eq > 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || (raw.startsWith('--') && raw.length > 2))
        throw new UsageError(`${flag} needs a value (${spec.value})`);
      i++;
    }
    if (spec.kind !== 'strings' && seen.has(flag)) throw new UsageError(`${flag} given twice`);
    seen.add(flag);
    switch (spec.kind) {
      case 'string':
        if (raw === '') throw new UsageError(`${flag} needs a non-empty value`);
        (options[spec.key] as string) = raw;
        if (flag === '--data') dataGiven = true;
        break;
      case 'strings':
        if (raw === '') throw new UsageError(`${flag} needs a non-empty value`);
        (lists[spec.key] ??= []).push(raw);
        break;
      default:
        (options[spec.key] as number) = parseNumber(flag, spec, raw);
    }
  }
  if (lists.libraries) options.libraries = lists.libraries.map((dir) => path.resolve(dir));
  if (lists.bootstrap) options.bootstrap = lists.bootstrap;
  if (lists.sources) options.sources = lists.sources;
  if (dataGiven) options.dataDir = path.resolve(options.dataDir);
  // Whatever the order of --leader and --priority, the higher of the two holds.
  if (leader) options.priority = Math.max(options.priority, LEADER_PRIORITY);
  if (options.name.length > 64) throw new UsageError('--name must be at most 64 characters');
  return options;
}

/** The help text, generated from the flag table so it never drifts from the parser. */
export function usage(): string {
  const lines = Object.entries(flags).map(([flag, spec]) => {
    const left = spec.value ? `${flag} ${spec.value}` : flag;
    return `  ${left.padEnd(28)} ${spec.help}`;
  });
  return [
    'Usage: firefly-peer [flags]',
    '       firefly-peer token [--data DIR]',
    '',
    'Runs a Firefly peer without the desktop shell, with a web UI.',
    '`token` prints the API token (send it as "Authorization: Bearer <token>").',
    '',
    ...lines,
    '',
  ].join('\n');
}
