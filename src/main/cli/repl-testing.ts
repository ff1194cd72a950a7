/** For REPL tests: commands over handlers that apply playback commands to a real state, as a leader alone in its room would. */
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import type { PlaybackCommand, PlaybackState } from '../../shared/playback/state';
import { applyCommand, type CommandContext } from '../../shared/playback/commands';
import { BUILDER_NOW_MS } from '../../shared/playback/testing';
import { replCommands } from './repl';

/** `handlers` maps channels to commands through `apply`; `playback:state` reads the state. */
export function replOnState(
  initial: PlaybackState,
  ctx: CommandContext,
  handlers: (apply: (command: PlaybackCommand) => void) => Record<string, unknown>,
) {
  let state = initial;
  const apply = (command: PlaybackCommand) => {
    const r = applyCommand(state, command, BUILDER_NOW_MS, ctx);
    if (!r.ok) throw new Error(r.error);
    state = r.value;
  };
  const h = { 'playback:state': () => state, ...handlers(apply) } as unknown as BridgeHandlers;
  return { commands: replCommands({ handlers: h, debug: () => ({}) }), state: () => state };
}
