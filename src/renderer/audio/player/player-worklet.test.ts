import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlayerStatus } from './protocol';

/** The worklet scope the processor module expects, stubbed: its clock is set by the test. */
const scope = globalThis as unknown as {
  sampleRate: number;
  currentFrame: number;
  AudioWorkletProcessor: unknown;
  registerProcessor(name: string, processor: unknown): void;
};
type Processor = { process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean };
let Registered: (new () => Processor) | null = null;
const statuses: PlayerStatus[] = [];

beforeAll(async () => {
  scope.sampleRate = 48_000;
  scope.currentFrame = 0;
  scope.AudioWorkletProcessor = class {
    readonly port = {
      onmessage: null as unknown,
      postMessage: (status: PlayerStatus) => statuses.push(status),
    };
  };
  scope.registerProcessor = (_name, processor) => {
    Registered = processor as new () => Processor;
  };
  await import('./player-worklet');
});

afterAll(() => {
  for (const key of ['sampleRate', 'currentFrame', 'AudioWorkletProcessor', 'registerProcessor'])
    delete (globalThis as Record<string, unknown>)[key];
});

describe('player worklet: the render clock', () => {
  it('counts on through a burst whose currentFrame stood still, and counts a skip ahead as the output moving', () => {
    const processor = new Registered!();
    const out = [[new Float32Array(128), new Float32Array(128)]];
    const block = (frame: number) => {
      scope.currentFrame = frame;
      processor.process([], out);
    };
    for (let k = 0; k < 16; k++) block(k * 128);
    // As Chromium gave it in a take: 8 blocks at one value, then the value the count had reached.
    for (let k = 0; k < 8; k++) block(15 * 128);
    block(24 * 128);
    for (let k = 25; k < 40; k++) block(k * 128);
    let last = statuses.at(-1)!;
    expect(last.renderClock).toEqual({ gaps: 0, lastGapFrames: 0, stale: 8 });
    // A block further ahead than the count: the output moved.
    block(40 * 128 + 256);
    for (let k = 1; k < 16; k++) block(40 * 128 + 256 + k * 128);
    last = statuses.at(-1)!;
    expect(last.renderClock).toMatchObject({ gaps: 1, lastGapFrames: 256, stale: 8 });
    // Status reports give the context frame from the count.
    expect(last.contextFrame).toBe(40 * 128 + 256 + 16 * 128);
  });
});
