/**
 * The output graph after the player: channel matrix and volume, on the page's one AudioContext.
 *
 * player (stereo) → splitter → 2×2 gain matrix → merger → volume → destination. (Each track's loudness
 * normalisation is applied in the player, per segment.) The volume is this device's setting. The matrix sets the
 * channel: stereo: L→L, R→R;  left: the track's left channel on every output;  right: the track's
 * right channel on every output;  mono: (L+R)/2 on every output. "left" thus means "this device is the
 * left speaker of a stereo pair"; a device with two speakers plays that channel on both. Changes ramp,
 * so they never click.
 */
import type { SpeakerChannel } from '../../shared/bridge/payloads';

/** Gains L→L, L→R, R→L, R→R for a channel setting. */
export function channelMatrix(channel: SpeakerChannel): [number, number, number, number] {
  switch (channel) {
    case 'stereo':
      return [1, 0, 0, 1];
    case 'left':
      return [1, 1, 0, 0];
    case 'right':
      return [0, 0, 1, 1];
    case 'mono':
      return [0.5, 0.5, 0.5, 0.5];
  }
}

/** The graph's controls. */
export interface OutputGraph {
  setVolume(volume: number): void;
  setChannel(channel: SpeakerChannel): void;
  disconnect(): void;
}

/** Connects `source` (a stereo node) to the context's destination through the matrix and volume. */
export function connectOutput(
  ctx: AudioContext,
  source: AudioNode,
  init: { volume: number; channel: SpeakerChannel; rampSec: number },
): OutputGraph {
  const splitter = new ChannelSplitterNode(ctx, { numberOfOutputs: 2 });
  const merger = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
  const volume = new GainNode(ctx, { gain: init.volume });
  source.connect(splitter);
  const matrix: GainNode[] = [];
  const gains = channelMatrix(init.channel);
  for (let from = 0; from < 2; from++) {
    for (let to = 0; to < 2; to++) {
      const g = new GainNode(ctx, { gain: gains[from * 2 + to]! });
      splitter.connect(g, from);
      g.connect(merger, 0, to);
      matrix.push(g);
    }
  }
  merger.connect(volume).connect(ctx.destination);
  const ramp = (param: AudioParam, value: number) => {
    const now = ctx.currentTime;
    param.cancelAndHoldAtTime(now);
    param.linearRampToValueAtTime(value, now + init.rampSec);
  };
  return {
    setVolume: (v) => ramp(volume.gain, v),
    setChannel: (channel) => {
      const next = channelMatrix(channel);
      matrix.forEach((g, i) => ramp(g.gain, next[i]!));
    },
    disconnect: () => {
      source.disconnect();
      volume.disconnect();
    },
  };
}
