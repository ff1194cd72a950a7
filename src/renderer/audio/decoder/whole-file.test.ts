import { describe, expect, it } from 'vitest';
import { WholeFileFallback, interleaveStereo, nextPieces, type DecodedAudio } from './whole-file';

function audio(channels: Float32Array[]): DecodedAudio {
  return {
    numberOfChannels: channels.length,
    length: channels[0]!.length,
    getChannelData: (c) => channels[c]!,
  };
}

const ramp = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => i * scale);

describe('interleaveStereo', () => {
  it('interleaves L and R, puts mono on both sides and clamps to the track', () => {
    expect([...interleaveStereo(audio([ramp(4), ramp(4, -1)]), 1, 3)]).toEqual([1, -1, 2, -2]);
    expect([...interleaveStereo(audio([ramp(3)]), 0, 9)]).toEqual([0, 0, 1, 1, 2, 2]);
    expect(interleaveStereo(audio([ramp(3)]), 5, 9).length).toBe(0);
  });
});

describe('nextPieces', () => {
  it('fills the window ahead of the play head in whole pieces, never past the end', () => {
    expect(nextPieces(0, 0, 1000, 250, 100)).toEqual([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    expect(nextPieces(300, 40, 1000, 250, 100)).toEqual([]);
    expect(nextPieces(300, 200, 1000, 250, 100)).toEqual([
      [300, 400],
      [400, 500],
    ]);
    expect(nextPieces(900, 880, 950, 250, 100)).toEqual([[900, 950]]);
  });
});

describe('WholeFileFallback', () => {
  it('feeds a play from its start frame to the end, then says where the track ends', async () => {
    const fallback = new WholeFileFallback(async () => audio([ramp(1000), ramp(1000)]), 300, 200);
    const decoded = await fallback.decoded('t');
    fallback.begin(7, decoded, 500);
    const first = fallback.pump(null);
    expect(first.map((m) => (m.type === 'pcm' ? m.startFrame : -1))).toEqual([500, 700]);
    expect(first.every((m) => m.generation === 7)).toBe(true);
    expect(fallback.pump(600)).toEqual([]);
    const rest = fallback.pump(850);
    expect(rest.map((m) => m.type)).toEqual(['pcm', 'end']);
    expect(rest[1]).toEqual({ type: 'end', generation: 7, totalFrames: 1000 });
    expect(fallback.pump(999)).toEqual([]);
  });

  it('shares one decode per track and forgets a failed one', async () => {
    let calls = 0;
    const fallback = new WholeFileFallback(
      async (id) => {
        calls++;
        if (id === 'bad') throw new Error('EncodingError');
        return audio([ramp(10)]);
      },
      10,
      10,
    );
    await Promise.all([fallback.decoded('a'), fallback.decoded('a')]);
    expect(calls).toBe(1);
    expect(fallback.has('a')).toBe(true);
    await expect(fallback.decoded('bad')).rejects.toThrow('EncodingError');
    expect(fallback.has('bad')).toBe(false);
  });
});
