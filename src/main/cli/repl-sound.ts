/** REPL commands for the room's sound settings: `crossfade N` and `loudness [off|track|album] [lufs]`. */
import type { CallerHandlers } from '../../shared/bridge/dispatch';
import {
  applyLoudnessChange,
  crossfadeSetting,
  loudnessModes,
  loudnessSetting,
  roomSoundLimits,
  type LoudnessSetting,
} from '../../shared/playback/room-sound';
import { ReplUsageError } from './repl-errors';

interface SoundCommand {
  usage: string;
  help: string;
  run(args: string[]): Promise<string>;
}

const describeLoudness = (l: LoudnessSetting): string =>
  l.mode === 'off'
    ? 'Loudness normalisation off: tracks play as mastered.'
    : `Normalising each ${l.mode === 'album' ? 'album' : 'track'} to ${l.targetLufs} LUFS.`;

const describeCrossfade = (sec: number): string =>
  sec === 0
    ? 'Crossfade off.'
    : `Crossfading ${sec} s between tracks (not between an album's tracks played in order).`;

/** The commands, by name, on handlers bound to the device itself. */
export function roomSoundCommands(h: CallerHandlers): Record<string, SoundCommand> {
  const { maxCrossfadeSec, minTargetLufs, maxTargetLufs } = roomSoundLimits;
  return {
    crossfade: {
      usage: 'crossfade [N]',
      help: `show the room's crossfade, or set it: N seconds (1–${maxCrossfadeSec}), 0 or off to turn it off`,
      run: async (args) => {
        const [raw, extra] = args;
        if (raw === undefined)
          return describeCrossfade(crossfadeSetting(await h['playback:state'](undefined)));
        const sec = raw === 'off' ? 0 : /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN;
        if (extra !== undefined || !(sec >= 0 && sec <= maxCrossfadeSec))
          throw new ReplUsageError(`usage: crossfade [N], with N from 0 (off) to ${maxCrossfadeSec} seconds`);
        await h['playback:crossfade']({ sec });
        return describeCrossfade(sec);
      },
    },
    loudness: {
      usage: 'loudness [off|track|album] [lufs]',
      help: `show or set the room's loudness normalisation and its target (${minTargetLufs} to ${maxTargetLufs} LUFS)`,
      run: async (args) => {
        const current = loudnessSetting(await h['playback:state'](undefined));
        if (args.length === 0) return describeLoudness(current);
        // `loudness album`, `loudness album -14` or just `loudness -14` (the target alone).
        const targetOnly = /^-?\d/.test(args[0] ?? '');
        const [rawMode, rawTarget, extra] = targetOnly ? [undefined, ...args] : args;
        const mode = rawMode === undefined ? undefined : loudnessModes.find((m) => m === rawMode);
        const target = rawTarget === undefined ? undefined : Number(rawTarget);
        if (
          (rawMode !== undefined && mode === undefined) ||
          extra !== undefined ||
          (rawTarget !== undefined && !/^-?\d+(\.\d+)?$/.test(rawTarget)) ||
          (target !== undefined && !(target >= minTargetLufs && target <= maxTargetLufs))
        )
          throw new ReplUsageError(
            `usage: loudness [off|track|album] [lufs], with lufs from ${minTargetLufs} to ${maxTargetLufs} (e.g. -18)`,
          );
        const change = { ...(mode ? { mode } : {}), ...(target !== undefined ? { targetLufs: target } : {}) };
        await h['playback:loudness'](change);
        return describeLoudness(applyLoudnessChange(current, change));
      },
    },
  };
}
