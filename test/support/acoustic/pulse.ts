/**
 * A private PulseAudio daemon for acoustic tests: a 48 kHz float32 null sink as the "sound
 * card", one mono remap sink per channel so each browser can be pointed at its own channel with
 * PULSE_SINK, and parec to record exactly what was mixed.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Whether the rig gives the sound server, the browsers and their audio services raised priorities (the
 * tuned rig): as root on Linux, unless `FIREFLY_ACOUSTIC_RT=0` asks for all of them at normal priority,
 * as on a user's machine without realtime settings (the untuned rig).
 */
export function tunedPriorities(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && process.env.FIREFLY_ACOUSTIC_RT !== '0';
}

const run = promisify(execFile);

/** Whether the pulseaudio and parec binaries are installed; the reason when not. */
export function pulseAvailable(): { ok: true } | { ok: false; reason: string } {
  for (const bin of ['pulseaudio', 'pactl', 'parec']) {
    const found = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
    if (found.status !== 0)
      return { ok: false, reason: `${bin} not installed (apt-get install pulseaudio pulseaudio-utils)` };
  }
  return { ok: true };
}

/** A running private daemon. */
export interface PulseServer {
  /** Environment for clients: PULSE_SERVER, and the private runtime folder. */
  env: Record<string, string>;
  /** Null sink ("the room"), with `channels` channels. */
  sink: string;
  /** Remap sink names, one per channel of `sink` (front-left, front-right, …). */
  channelSinks: string[];
  sampleRate: number;
  /** Starts recording the null sink's monitor to a float32 WAV. */
  record(file: string): Promise<Recording>;
  /** Runs pactl against this daemon. */
  pactl(...args: string[]): Promise<string>;
  /** Stops the daemon and removes its folder. */
  stop(): Promise<void>;
}

/** A parec process writing a WAV. */
export interface Recording {
  file: string;
  /** Stops parec and resolves once the file is complete. */
  stop(): Promise<void>;
}

export interface PulseOptions {
  /** Channels of the null sink (2: a left and a right remap sink). */
  channels?: number;
  sampleRate?: number;
  /** Name prefix for sinks. */
  name?: string;
}

const CHANNEL_NAMES = ['front-left', 'front-right', 'rear-left', 'rear-right', 'front-center', 'lfe'];

/** Starts a private daemon with a null sink and one remap sink per channel. */
export async function startPulse(options: PulseOptions = {}): Promise<PulseServer> {
  const channels = options.channels ?? 2;
  const sampleRate = options.sampleRate ?? 48_000;
  const name = options.name ?? 'firefly';
  if (channels < 1 || channels > CHANNEL_NAMES.length)
    throw new RangeError(`channels must be 1..${CHANNEL_NAMES.length}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-pulse-'));
  const runtime = path.join(dir, 'run');
  const home = path.join(dir, 'home');
  const config = path.join(home, '.config', 'pulse');
  mkdirSync(path.join(runtime, 'pulse'), { recursive: true, mode: 0o700 });
  mkdirSync(config, { recursive: true });
  writeFileSync(
    path.join(config, 'daemon.conf'),
    [
      `default-sample-format = float32le`,
      `default-sample-rate = ${sampleRate}`,
      `alternate-sample-rate = ${sampleRate}`,
      `avoid-resampling = yes`,
      // A sound server outranks the build jobs sharing this machine, as it would on a desktop, where its threads
      // run with realtime scheduling (through RealtimeKit there; as root here, directly).
      ...(tunedPriorities()
        ? ['high-priority = yes', 'nice-level = -11', 'realtime-scheduling = yes', 'realtime-priority = 9']
        : []),
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(config, 'client.conf'), 'autospawn = no\n');
  const socket = path.join(runtime, 'pulse', 'native');
  const env: Record<string, string> = {
    XDG_RUNTIME_DIR: runtime,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    PULSE_SERVER: `unix:${socket}`,
    PULSE_CLIENTCONFIG: path.join(config, 'client.conf'),
  };
  const daemonEnv = { ...process.env, ...env };
  delete daemonEnv.PULSE_SERVER;
  const started = run(
    'pulseaudio',
    [
      '-n',
      '--daemonize=yes',
      '--use-pid-file=yes',
      '--exit-idle-time=-1',
      `--realtime=${tunedPriorities() ? 'yes' : 'no'}`,
      '--log-target=stderr',
      '-L',
      `module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
    ],
    { env: daemonEnv, timeout: 20_000 },
  );
  const pactl = async (...args: string[]) =>
    (await run('pactl', args, { env: { ...process.env, ...env }, timeout: 10_000 })).stdout.trim();
  /** The daemon's pid from its pid file; NaN while there is none (the daemon never came up). */
  const daemonPid = () => {
    try {
      return Number.parseInt(readFileSync(path.join(runtime, 'pulse', 'pid'), 'utf8').trim(), 10);
    } catch {
      return NaN;
    }
  };
  const stop = async () => {
    const pid = daemonPid();
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
        await waitFor(() => !alive(pid), 5000);
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await started;
    await waitFor(() => exists(socket), 10_000);
    const sink = `${name}_room`;
    const map = CHANNEL_NAMES.slice(0, channels).join(',');
    await pactl(
      'load-module',
      'module-null-sink',
      `sink_name=${sink}`,
      `format=float32le`,
      `rate=${sampleRate}`,
      `channels=${channels}`,
      `channel_map=${map}`,
    );
    const channelSinks: string[] = [];
    for (let i = 0; i < channels; i++) {
      const remap = `${name}_${CHANNEL_NAMES[i]!.replace('-', '_')}`;
      await pactl(
        'load-module',
        'module-remap-sink',
        `sink_name=${remap}`,
        `master=${sink}`,
        'channels=1',
        `master_channel_map=${CHANNEL_NAMES[i]}`,
        'channel_map=mono',
        'remix=no',
      );
      channelSinks.push(remap);
    }
    await pactl('set-default-sink', sink);
    if (tunedPriorities()) {
      // The daemon's main thread (which tells each stream how much to write next) runs at nice -11, as on a
      // desktop; here it shares two cores with a whole room, and under a play's fetch and decode its streams
      // underran by 20-80 ms at once (both pages' renderers fell behind together). Realtime for all its threads.
      await run('chrt', ['--all-tasks', '--rr', '--pid', '9', String(daemonPid())], { timeout: 10_000 });
    }
    return {
      env,
      sink,
      channelSinks,
      sampleRate,
      pactl,
      stop,
      record: (file) => startRecording(file, `${sink}.monitor`, channels, sampleRate, env),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startRecording(
  file: string,
  device: string,
  channels: number,
  sampleRate: number,
  env: Record<string, string>,
): Promise<Recording> {
  const child: ChildProcess = spawn(
    'parec',
    [
      '-d',
      device,
      '--file-format=wav',
      '--format=float32le',
      `--rate=${sampleRate}`,
      `--channels=${channels}`,
      '--latency-msec=10',
      file,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Recording has begun once the header plus some audio has been written.
  await Promise.race([
    waitFor(() => exists(file) && statSync(file).size > 4096, 10_000),
    exited.then((code) => {
      throw new Error(`parec exited with ${code}: ${stderr}`);
    }),
  ]);
  return {
    file,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls a condition (a file appearing, a process leaving) until it holds or time runs out. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
