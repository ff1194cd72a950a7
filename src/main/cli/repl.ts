/** The interactive command line of the seed CLI (`--repl`): every command goes through the same handlers as the UI. */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import {
  asCaller,
  LOCAL_CALLER,
  type BridgeHandlers,
  type CallerHandlers,
} from '../../shared/bridge/dispatch';
import { repeatModes } from '../../shared/playback/state';
import { ReplUsageError } from './repl-errors';
import { roomSoundCommands } from './repl-sound';
import { calibrateCommand } from './repl-calibrate';
import { volumeCommand } from './repl-volume';

import { formatPeers, formatSources, formatStatus, formatTracks } from './repl-format';

export { ReplUsageError };
export { formatDuration } from './repl-format';

interface Command {
  usage: string;
  help: string;
  run(args: string[]): Promise<string> | string;
}

export interface ReplComponents {
  handlers: BridgeHandlers;
  /** Extra diagnostics for `debug` (drop counters, connection log). */
  debug(): Record<string, unknown>;
}

/** The commands, by name. */
export function replCommands(components: ReplComponents): Record<string, Command> {
  const h = asCaller(components.handlers, LOCAL_CALLER);
  const noArgs = (name: string, args: string[]) => {
    if (args.length > 0) throw new ReplUsageError(`${name} takes no arguments`);
  };
  const simple = (
    name: string,
    channel: 'playback:pause' | 'playback:resume' | 'playback:stop' | 'playback:next' | 'playback:prev',
    done: string,
    help: string,
  ): Command => ({
    usage: name,
    help,
    run: async (args) => {
      noArgs(name, args);
      await h[channel](undefined);
      return done;
    },
  });
  const commands: Record<string, Command> = {
    peers: {
      usage: 'peers',
      help: 'show the peers in the room',
      run: async (args) => (noArgs('peers', args), formatPeers(await h['peer:status'](undefined))),
    },
    list: {
      usage: 'list',
      help: "list the room's tracks",
      run: async (args) => (noArgs('list', args), formatTracks(await h['library:list'](undefined))),
    },
    sources: {
      usage: 'sources',
      help: "list the room's live sources (pipes, programs such as AirPlay or Spotify receivers)",
      run: async (args) => (noArgs('sources', args), formatSources(await h['live:sources'](undefined))),
    },
    play: {
      usage: 'play <index> | play source <name>',
      help: 'play track number <index> of `list`, or a live source of `sources`',
      run: async (args) => {
        if (args[0] === 'source') {
          const name = args.slice(1).join(' ');
          if (!name) throw new ReplUsageError('usage: play source <name>, with a name from `sources`');
          await h['playback:play']({ sourceId: name });
          const playing = (await h['playback:state'](undefined)).source;
          return `Playing live source ${playing?.name ?? name}`;
        }
        const [raw, extra] = args;
        if (raw === undefined || extra !== undefined || !/^\d+$/.test(raw))
          throw new ReplUsageError('usage: play <index>, where <index> is a number from `list`');
        const tracks = await h['library:list'](undefined);
        const index = Number(raw);
        const track = tracks.find((t) => t.index === index);
        if (!track)
          throw new ReplUsageError(
            tracks.length === 0
              ? 'the room has no tracks yet'
              : `no track ${index}; \`list\` shows 0 to ${tracks.length - 1}`,
          );
        await h['playback:play']({ index });
        return `Playing ${track.artist} — ${track.title}`;
      },
    },
    pause: simple('pause', 'playback:pause', 'Paused.', 'pause playback everywhere'),
    resume: simple('resume', 'playback:resume', 'Resumed.', 'resume playback everywhere'),
    stop: simple('stop', 'playback:stop', 'Stopped.', 'stop playback everywhere'),
    next: simple('next', 'playback:next', 'Next track.', 'play the next track'),
    prev: simple('prev', 'playback:prev', 'Previous track.', 'play the previous track (or restart this one)'),
    shuffle: {
      usage: 'shuffle [on|off]',
      help: 'shuffle the queue, or play it in its order again (no argument: switch)',
      run: async (args) => {
        const [raw, extra] = args;
        if (extra !== undefined || (raw !== undefined && raw !== 'on' && raw !== 'off'))
          throw new ReplUsageError('usage: shuffle [on|off]');
        const on =
          raw === undefined ? (await h['playback:state'](undefined)).unshuffled === null : raw === 'on';
        await h['playback:shuffle']({ on });
        return on ? 'Shuffle on.' : 'Shuffle off: the queue plays in its order.';
      },
    },
    repeat: {
      usage: 'repeat [off|all|one]',
      help: 'repeat the queue or the current track (no argument: off → all → one → off)',
      run: async (args) => {
        const [raw, extra] = args;
        const given = repeatModes.find((m) => m === raw);
        if (extra !== undefined || (raw !== undefined && given === undefined))
          throw new ReplUsageError('usage: repeat [off|all|one]');
        const current = (await h['playback:state'](undefined)).repeat;
        const mode = given ?? repeatModes[(repeatModes.indexOf(current) + 1) % repeatModes.length] ?? 'off';
        await h['playback:repeat']({ mode });
        return { off: 'Repeat off.', all: 'Repeating the queue.', one: 'Repeating the current track.' }[mode];
      },
    },
    volume: volumeCommand(h),
    ...roomSoundCommands(h),
    calibrate: calibrateCommand(h),
    status: {
      usage: 'status',
      help: 'show leader, clock and playback status',
      run: async (args) => (noArgs('status', args), formatStatus(await h['peer:status'](undefined))),
    },
    debug: {
      usage: 'debug',
      help: 'show diagnostics: dropped messages, bootstrap dials, connection log, clock details',
      run: async (args) => {
        noArgs('debug', args);
        const status = await h['peer:status'](undefined);
        // Diagnostics go on without the sources (a peer that has not started lists none).
        const live = await Promise.resolve()
          .then(() => h['live:sources'](undefined))
          .catch(() => null);
        return JSON.stringify(
          {
            dropped: status.dropped,
            // This device's sources: how each goes to the room, its listeners, those cut off as too slow, and
            // how often its stream was placed anew (with the frames that came too late to send).
            liveSources: live?.sources
              .filter((s) => s.local)
              .map(
                ({ sourceId, state, codec, frames, listeners, slowListeners, reanchors, droppedFrames }) => ({
                  sourceId,
                  state,
                  codec,
                  frames,
                  listeners,
                  slowListeners,
                  reanchors,
                  droppedFrames,
                }),
              ),
            bootstrap: status.config.bootstrap,
            connectedPeers: status.config.connectedPeers,
            clock: status.clock,
            members: status.members,
            log: status.log,
            ...components.debug(),
          },
          null,
          2,
        );
      },
    },
    pair: {
      usage: 'pair',
      help: 'show a code that pairs a browser on another device (a phone) for remote control',
      run: async (args) => {
        noArgs('pair', args);
        const state = await h['pairing:start'](undefined);
        const until = state.expiresAtMs ? new Date(state.expiresAtMs).toLocaleTimeString() : '?';
        const paired = await h['pairing:list'](undefined);
        return [
          `Pairing code ${state.code ?? '-'} (valid until ${until}${state.requestedBy ? `, asked for by ${state.requestedBy}` : ''}).`,
          'Type it into the browser that shows the pairing screen.',
          paired.length === 0
            ? 'No paired devices yet.'
            : `Paired: ${paired.map((d) => `${d.name} (${d.address})`).join(', ')}`,
        ].join('\n');
      },
    },
    confirm: {
      usage: 'confirm [n]',
      help: "list a paired browser's changes that wait for you, or accept change n",
      run: async (args) => answerPending(h, args, true),
    },
    refuse: {
      usage: 'refuse <n>',
      help: "refuse a paired browser's change n",
      run: async (args) => answerPending(h, args, false),
    },
    help: { usage: 'help', help: 'list the commands', run: () => helpText(commands) },
    exit: { usage: 'exit', help: 'stop this peer and quit', run: () => '' },
  };
  return commands;
}

/** `confirm` / `refuse`: a paired browser's room-passphrase or folder change waits for the device's user. */
async function answerPending(h: CallerHandlers, args: string[], accept: boolean): Promise<string> {
  const pending = await h['settings:pending'](undefined);
  const [raw, extra] = args;
  if (raw === undefined || extra !== undefined) {
    if (pending.length === 0) return 'Nothing waits for a confirmation.';
    return pending.map((p, i) => `${i + 1}. ${p.deviceName} asks to change ${p.summary}`).join('\n');
  }
  const item = /^\d+$/.test(raw) ? pending[Number(raw) - 1] : undefined;
  if (!item) throw new ReplUsageError(`no change ${raw}; \`confirm\` lists them`);
  await h['settings:confirm']({ id: item.id, accept });
  return accept ? `Changed ${item.summary}.` : `Refused ${item.summary}.`;
}

function helpText(commands: Record<string, Command>): string {
  return Object.values(commands)
    .map((c) => `  ${c.usage.padEnd(14)} ${c.help}`)
    .join('\n');
}

/** Runs one command line; returns its output, or null for `exit`. */
export async function runReplLine(commands: Record<string, Command>, line: string): Promise<string | null> {
  const [name, ...args] = line.trim().split(/\s+/);
  if (!name) return '';
  if (name === 'exit' || name === 'quit') return null;
  const command = commands[name];
  if (!command) return `Unknown command "${name}". Type help for the list.`;
  try {
    return await command.run(args);
  } catch (error) {
    return `Error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Reads commands from `input` until `exit` or end of input; resolves when done. */
export async function startRepl(
  components: ReplComponents,
  io: { input: Readable; output: Writable; prompt?: boolean },
): Promise<void> {
  const commands = replCommands(components);
  const rl = readline.createInterface({
    input: io.input,
    output: io.prompt ? io.output : undefined,
    terminal: false,
  });
  const write = (text: string) => io.output.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  const prompt = () => io.prompt && io.output.write('firefly> ');
  write('Firefly peer console. Type help for commands.');
  prompt();
  for await (const line of rl) {
    const out = await runReplLine(commands, line);
    if (out === null) break;
    write(out);
    prompt();
  }
  rl.close();
}
